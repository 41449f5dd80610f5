-- Daily usage per tenant x module x event kind x user, what the rules read.
--
-- A materialized view sees every insert, copies included, so no figure here may be a
-- plain count: `events` is the set of distinct message-id hashes (a redelivered event
-- adds a hash already in the set), and the rest are min / max, which a copy cannot
-- move. Read events with groupBitmapMerge(events) grouped by the key.
--
-- The set is a roaring bitmap of 32-bit message-id hashes: building it costs a fraction
-- of uniqExact's hash sets on insert, the hot path (bench:ingest), and 32-bit bitmaps
-- merge several times faster than 64-bit ones on read. Exact but for hash collisions:
-- a set holds one user's events of one kind, module and day, a few dozen ids, so the
-- odds that two share a hash are about n²/2³³ (one set in ten million loses one event).
CREATE TABLE IF NOT EXISTS {db:Identifier}.usage_daily
(
    tenant_id   LowCardinality(String),
    day         Date,
    module      LowCardinality(String),
    kind        LowCardinality(String),
    user_id     String,
    events      AggregateFunction(groupBitmap, UInt32),
    first_seen  SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_seen   SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant_id, day, module, kind, user_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.usage_daily_mv
TO {db:Identifier}.usage_daily AS
SELECT
    tenant_id,
    toDate(timestamp) AS day,
    module,
    kind,
    if(user_id != '', user_id, anonymous_id) AS user_id,
    groupBitmapState(xxHash32(message_id)) AS events,
    min(timestamp) AS first_seen,
    max(timestamp) AS last_seen
FROM {db:Identifier}.events
WHERE kind IN ('view', 'pricing', 'action', 'lifecycle')
GROUP BY tenant_id, day, module, kind, user_id;
