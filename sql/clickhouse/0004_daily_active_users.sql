-- Who used the product on a day, per tenant: one row per tenant × day × user, the rollup
-- that the rules' user figures read (active users, user-days, seat utilisation, days
-- since the last activity). usage_daily holds the same users split by module and event
-- kind, about four rows for each row here, and keyed by the user id as text; a full
-- sweep of the built-in rules spent most of its time there hashing those strings.
--
-- The user is a 64-bit hash of the id: two users of one tenant share a key with odds
-- near n²/2⁶⁵ (1 in 10¹⁰ for a tenant of 10,000 users). The rows carry no figure, only
-- a key, so a redelivered event adds a row that merges away, and until it does a read
-- counts distinct keys (uniqExact), never rows. Usage kinds only: lifecycle events are
-- not activity.
CREATE TABLE IF NOT EXISTS {db:Identifier}.daily_active_users
(
    tenant_id   LowCardinality(String),
    day         Date,
    user_key    UInt64
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant_id, day, user_key);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.daily_active_users_mv
TO {db:Identifier}.daily_active_users AS
SELECT DISTINCT
    tenant_id,
    toDate(timestamp) AS day,
    cityHash64(if(user_id != '', user_id, anonymous_id)) AS user_key
FROM {db:Identifier}.events
WHERE kind IN ('view', 'pricing', 'action');

-- The history stored before this migration, from the rollup that already holds it.
-- Created after the view, so an event that lands in between is in one or both, and a
-- copy changes no figure: running this twice, or beside the view, is safe.
INSERT INTO {db:Identifier}.daily_active_users
SELECT DISTINCT tenant_id, day, cityHash64(user_id) AS user_key
FROM {db:Identifier}.usage_daily
WHERE kind IN ('view', 'pricing', 'action');
