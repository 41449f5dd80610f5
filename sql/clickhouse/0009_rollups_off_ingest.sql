-- The rollups leave the acknowledgement path: ingest commits `events` alone, and the
-- rollups job (jobs/fold-rollups.ts) folds what was committed into usage_daily and
-- daily_active_users in large blocks with INSERT ... SELECT. It reads by block number:
-- MergeTree numbers each insert's part in commit order, and a merged part keeps the
-- range of the blocks it holds, so "the parts with a block after N" is exactly what
-- came since, and a filter on `_part` reads only those parts. A merge of folded and
-- new parts is common under load, so each row keeps its own block number too
-- (enable_block_number_column, `_block_number`): the job folds only the new rows of such
-- a part. module_daily's view stays: it reads usage_daily's inserts, the job's now.
ALTER TABLE {db:Identifier}.events MODIFY SETTING enable_block_number_column = 1;

-- Where the job starts on a store with no position of its own: the last block the views
-- folded ('views', written before they are dropped, so that a block committed in
-- between is folded twice at worst: every rollup is a set, a copy changes no figure),
-- or the last block a backfill folded itself ('folded'). A second migration runner
-- writes a later 'views' row; the earliest one counts (ingest/fold-rollups.ts).
CREATE TABLE IF NOT EXISTS {db:Identifier}.rollup_start
(
    kind       LowCardinality(String),
    max_block  UInt64,
    at         DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY (kind, max_block);

INSERT INTO {db:Identifier}.rollup_start (kind, max_block)
SELECT 'views', max(toUInt64(splitByChar('_', substring(_part, length(_partition_id) + 2))[2]))
FROM {db:Identifier}.events;

DROP VIEW IF EXISTS {db:Identifier}.usage_daily_mv;

DROP VIEW IF EXISTS {db:Identifier}.daily_active_users_mv;
