-- Each account's lifecycle stage over time, mirrored from the CRM store's activity log
-- (Postgres keeps the truth; crm/mirror-lifecycle.ts copies each committed move here,
-- and `tenantpulse crm mirror --rebuild` writes it anew). Rules read an account's stage
-- as of their evaluation day from this table, inside their one query. A row copied twice
-- (a re-read overlap, a rebuild) has the same activity id, and every read takes the
-- latest (at, activity_id), so copies change no answer; the engine folds them at merges.
CREATE TABLE IF NOT EXISTS {db:Identifier}.account_stages
(
    tenant_id    String,
    at           DateTime64(3, 'UTC'),
    activity_id  UInt64,
    stage        LowCardinality(String)
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, at, activity_id);
