-- Every accepted event, as ingest normalised it. One row per event and delivery:
-- a retried batch inserts its rows again, and the ReplacingMergeTree folds the copies
-- at merge time (same tenant, day and message id). Nothing that a rule reads counts
-- rows of this table without FINAL or a distinct over message_id.
CREATE TABLE IF NOT EXISTS {db:Identifier}.events
(
    tenant_id     LowCardinality(String),
    timestamp     DateTime64(3, 'UTC'),
    received_at   DateTime64(3, 'UTC'),
    message_id    String,
    type          LowCardinality(String),
    event         String,
    kind          LowCardinality(String),
    module        LowCardinality(String),
    user_id       String,
    anonymous_id  String,
    path          String,
    properties    String CODEC(ZSTD(3)),
    context       String CODEC(ZSTD(3)),
    traits        String CODEC(ZSTD(3)),
    write_key_id  LowCardinality(String)
)
ENGINE = ReplacingMergeTree(received_at)
PARTITION BY toYYYYMM(timestamp)
-- Per-tenant time-range scans read a contiguous range; the message id ends the key so
-- that copies of one event collapse.
ORDER BY (tenant_id, toDate(timestamp), message_id);

-- The bad rows nobody loses: the raw event as it came, why it was refused, and when.
-- Kept 90 days: long enough to find and replay a broken sender, short enough that a
-- hostile sender cannot fill the disk for good.
CREATE TABLE IF NOT EXISTS {db:Identifier}.rejected_events
(
    received_at   DateTime64(3, 'UTC'),
    write_key_id  LowCardinality(String),
    reason        LowCardinality(String),
    detail        String,
    message_id    String,
    payload       String CODEC(ZSTD(3))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(received_at)
ORDER BY (received_at, reason)
TTL toDateTime(received_at) + INTERVAL 90 DAY;
