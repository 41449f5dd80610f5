-- This store's deployment id, made once at its first migration. Queue keys in Redis
-- carry it, so that two deployments sharing a Redis (staging beside production, two
-- test servers) never take each other's jobs. One row, never changed.
CREATE TABLE IF NOT EXISTS deployment (
    singleton   boolean PRIMARY KEY DEFAULT true CONSTRAINT deployment_singleton_check CHECK (singleton),
    id          text NOT NULL DEFAULT substr(md5(random()::text || clock_timestamp()::text), 1, 12)
                CONSTRAINT deployment_id_check CHECK (id ~ '^[a-z0-9]{4,32}$'),
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO deployment DEFAULT VALUES ON CONFLICT DO NOTHING;

-- The lifecycle mirror (crm/mirror-lifecycle.ts) reads the log in (recorded_at, id)
-- order from its watermark after every crm-sync: without this, a scan of the whole log.
CREATE INDEX IF NOT EXISTS activity_log_recorded ON activity_log (recorded_at, id);

-- One row per evaluation of the active rules of a kind: what it read, what it fired
-- and what apply made of each firing. Queued by the scheduler or POST /api/jobs/evaluate.
CREATE TABLE IF NOT EXISTS evaluations (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text NOT NULL CONSTRAINT evaluations_kind_check CHECK (kind IN ('abm', 'churn')),
    trigger       text NOT NULL CONSTRAINT evaluations_trigger_check CHECK (trigger IN ('schedule', 'manual')),
    status        text NOT NULL DEFAULT 'queued'
                  CONSTRAINT evaluations_status_check CHECK (status IN ('queued', 'running', 'applying', 'done', 'failed')),
    as_of         date,
    rules         integer,
    invalid_rules text[] NOT NULL DEFAULT '{}',
    firings       integer,
    -- What the evaluation did first: crm-sync up to the events committed before it.
    synced        jsonb NOT NULL DEFAULT '{}',
    error         text,
    queued_at     timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    finished_at   timestamptz
);
CREATE INDEX IF NOT EXISTS evaluations_queued_at ON evaluations (queued_at);

-- What apply made of each firing of an evaluation, written in the firing's own
-- transaction: a retried apply job skips the firings already recorded, so the counts
-- are exact after a crash. A firing for an account crm-sync has not created yet gets
-- no row until it is applied or its retry time runs out (then: unknown_account).
CREATE TABLE IF NOT EXISTS evaluation_firings (
    evaluation_id  bigint NOT NULL REFERENCES evaluations (id) ON DELETE CASCADE,
    rule_id        text NOT NULL,
    tenant_id      text NOT NULL,
    module         text NOT NULL DEFAULT '',
    outcome        text NOT NULL CONSTRAINT evaluation_firings_outcome_check
                   CHECK (outcome IN ('lead_opened', 'lead_updated', 'lead_unchanged', 'alert_opened', 'skipped')),
    skip_reason    text,
    signal         boolean NOT NULL DEFAULT false,
    applied_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (evaluation_id, rule_id, tenant_id, module),
    CONSTRAINT evaluation_firings_reason_check CHECK ((outcome = 'skipped') = (skip_reason IS NOT NULL))
);
