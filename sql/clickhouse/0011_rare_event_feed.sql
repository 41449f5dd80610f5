-- The views of rare events (group and identify calls, lifecycle events: 0002) leave the
-- insert into `events`. A view runs on every insert into its source, even one it takes
-- no row from, and these four cost about 12 ms of CPU per insert, three times the insert
-- of a small part itself (bench:ingest): most of a group commit's fixed cost. They now
-- read `events_feed`, which stores nothing; writers put there only the rows the views
-- take (ingest/commit-batch.ts, feedsViews), in the same commit as `events`, so a group
-- commit with no such row pays for no view. The views keep their filters. The columns
-- are those of `events`, which writers send to both.
CREATE TABLE IF NOT EXISTS {db:Identifier}.events_feed
ENGINE = Null
EMPTY AS SELECT * FROM {db:Identifier}.events;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.tenant_traits_feed_mv
TO {db:Identifier}.tenant_traits AS
SELECT
    tenant_id,
    JSONExtractString(traits, 'name') AS name,
    JSONExtractString(traits, 'plan') AS plan,
    if(JSONHas(traits, 'seats'), toUInt32OrNull(JSONExtractRaw(traits, 'seats')), NULL) AS seats,
    if(JSONHas(traits, 'mrr'), toFloat64OrNull(JSONExtractRaw(traits, 'mrr')), NULL) AS mrr,
    traits,
    timestamp AS updated_at
FROM {db:Identifier}.events_feed
WHERE type = 'group';

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.user_traits_feed_mv
TO {db:Identifier}.user_traits AS
SELECT user_id, tenant_id, traits, timestamp AS updated_at
FROM {db:Identifier}.events_feed
WHERE type = 'identify' AND user_id != '';

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.user_groups_feed_mv
TO {db:Identifier}.user_groups AS
SELECT if(user_id != '', user_id, anonymous_id) AS user_id, tenant_id, timestamp AS updated_at
FROM {db:Identifier}.events_feed
WHERE type = 'group';

CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.lifecycle_events_feed_mv
TO {db:Identifier}.lifecycle_events AS
SELECT received_at, tenant_id, message_id, timestamp, type, event, traits, properties
FROM {db:Identifier}.events_feed
WHERE type = 'group' OR kind = 'lifecycle';

-- The new views exist before the old ones go: migrations run before the server takes
-- events, and an insert in between would only be read twice, which the traits tables
-- fold (ReplacingMergeTree) and crm-sync tolerates as a redelivery.
DROP VIEW IF EXISTS {db:Identifier}.tenant_traits_mv;

DROP VIEW IF EXISTS {db:Identifier}.user_traits_mv;

DROP VIEW IF EXISTS {db:Identifier}.user_groups_mv;

DROP VIEW IF EXISTS {db:Identifier}.lifecycle_events_mv;
