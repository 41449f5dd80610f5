-- Tenant traits from `group` calls: the newest call wins (ReplacingMergeTree on
-- updated_at), so a replayed old call never overwrites a newer one. Read with FINAL.
CREATE TABLE IF NOT EXISTS {db:Identifier}.tenant_traits
(
    tenant_id   String,
    name        String,
    plan        LowCardinality(String),
    seats       Nullable(UInt32),
    mrr         Nullable(Float64),
    traits      String CODEC(ZSTD(3)),
    updated_at  DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY tenant_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.tenant_traits_mv
TO {db:Identifier}.tenant_traits AS
SELECT
    tenant_id,
    JSONExtractString(traits, 'name') AS name,
    JSONExtractString(traits, 'plan') AS plan,
    if(JSONHas(traits, 'seats'), toUInt32OrNull(JSONExtractRaw(traits, 'seats')), NULL) AS seats,
    if(JSONHas(traits, 'mrr'), toFloat64OrNull(JSONExtractRaw(traits, 'mrr')), NULL) AS mrr,
    traits,
    timestamp AS updated_at
FROM {db:Identifier}.events
WHERE type = 'group';

-- User traits from `identify` calls, newest first.
CREATE TABLE IF NOT EXISTS {db:Identifier}.user_traits
(
    user_id     String,
    tenant_id   String,
    traits      String CODEC(ZSTD(3)),
    updated_at  DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY user_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.user_traits_mv
TO {db:Identifier}.user_traits AS
SELECT user_id, tenant_id, traits, timestamp AS updated_at
FROM {db:Identifier}.events
WHERE type = 'identify' AND user_id != '';

-- The tenant a user last joined with a `group` call: where ingest looks up the tenant
-- of an event that names none.
CREATE TABLE IF NOT EXISTS {db:Identifier}.user_groups
(
    user_id     String,
    tenant_id   String,
    updated_at  DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY user_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.user_groups_mv
TO {db:Identifier}.user_groups AS
SELECT if(user_id != '', user_id, anonymous_id) AS user_id, tenant_id, timestamp AS updated_at
FROM {db:Identifier}.events
WHERE type = 'group';

-- The events the CRM listens for (group calls and orders, renewals, cancellations), in
-- the order they were received: crm-sync reads this small table from a watermark on
-- received_at instead of scanning `events`, whose key serves per-tenant scans.
CREATE TABLE IF NOT EXISTS {db:Identifier}.lifecycle_events
(
    received_at   DateTime64(3, 'UTC'),
    tenant_id     String,
    message_id    String,
    timestamp     DateTime64(3, 'UTC'),
    type          LowCardinality(String),
    event         String,
    traits        String CODEC(ZSTD(3)),
    properties    String CODEC(ZSTD(3))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(received_at)
ORDER BY (received_at, tenant_id, message_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.lifecycle_events_mv
TO {db:Identifier}.lifecycle_events AS
SELECT received_at, tenant_id, message_id, timestamp, type, event, traits, properties
FROM {db:Identifier}.events
WHERE type = 'group' OR kind = 'lifecycle';
