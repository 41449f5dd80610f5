-- The CRM store. Applied once by crm/migrate.ts (recorded in schema_migrations, under
-- an advisory lock); IF NOT EXISTS only makes a hand-run replay harmless.
--
-- Keys: natural text keys where the world has one (tenant_id, rule id), otherwise
-- bigint identities, read back as decimal strings on both engines.
-- Statements end with a semicolon at the end of a line (platform/sql.ts splits there),
-- so function bodies keep their inner statements on one line.

-- The CRM's own people: sales reps, CSMs, the data team. CSM round-robin reads this.
CREATE TABLE IF NOT EXISTS users (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL,
    email       text NOT NULL UNIQUE,
    role        text NOT NULL CONSTRAINT users_role_check CHECK (role IN ('admin', 'sales', 'csm', 'data')),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- One account per tenant. traits_at is the time of the newest group call applied, so a
-- late, older call never overwrites newer traits.
CREATE TABLE IF NOT EXISTS accounts (
    tenant_id          text PRIMARY KEY CONSTRAINT accounts_tenant_id_check CHECK (tenant_id <> ''),
    name               text NOT NULL DEFAULT '',
    plan               text NOT NULL DEFAULT 'free',
    seats              integer CONSTRAINT accounts_seats_check CHECK (seats >= 0),
    mrr                numeric(14, 2) CONSTRAINT accounts_mrr_check CHECK (mrr >= 0),
    lifecycle          text NOT NULL DEFAULT 'prospect'
                       CONSTRAINT accounts_lifecycle_check
                       CHECK (lifecycle IN ('prospect', 'lead', 'opportunity', 'customer', 'churned')),
    owner_team         text NOT NULL DEFAULT 'sales'
                       CONSTRAINT accounts_owner_team_check CHECK (owner_team IN ('sales', 'cs')),
    owner_id           bigint REFERENCES users (id),
    csm_id             bigint REFERENCES users (id),
    health_score       integer CONSTRAINT accounts_health_score_check CHECK (health_score BETWEEN 0 AND 100),
    health_components  jsonb NOT NULL DEFAULT '{}',
    traits_at          timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS accounts_csm_id ON accounts (csm_id) WHERE lifecycle = 'customer';
CREATE INDEX IF NOT EXISTS accounts_lifecycle ON accounts (lifecycle, tenant_id);

-- Rules and their versions. A version is immutable (trigger below): a firing names
-- the version whose definition produced it.
CREATE TABLE IF NOT EXISTS rules (
    id              text PRIMARY KEY CONSTRAINT rules_id_check CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    kind            text NOT NULL CONSTRAINT rules_kind_check CHECK (kind IN ('abm', 'churn')),
    name            text NOT NULL,
    active_version  integer,
    status          text NOT NULL DEFAULT 'draft'
                    CONSTRAINT rules_status_check CHECK (status IN ('draft', 'active', 'paused', 'archived')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT rules_active_needs_version CHECK (status <> 'active' OR active_version IS NOT NULL)
);

CREATE TABLE IF NOT EXISTS rule_versions (
    rule_id     text NOT NULL REFERENCES rules (id),
    version     integer NOT NULL CONSTRAINT rule_versions_version_check CHECK (version >= 1),
    definition  jsonb NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT rule_versions_pkey PRIMARY KEY (rule_id, version)
);

-- Added after both tables exist (they reference each other). Drop-then-add keeps the
-- pair replayable by hand.
ALTER TABLE rules DROP CONSTRAINT IF EXISTS rules_active_version_fkey;
ALTER TABLE rules ADD CONSTRAINT rules_active_version_fkey
    FOREIGN KEY (id, active_version) REFERENCES rule_versions (rule_id, version);

CREATE TABLE IF NOT EXISTS leads (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    text NOT NULL REFERENCES accounts (tenant_id),
    source       text NOT NULL CONSTRAINT leads_source_check CHECK (source IN ('abm', 'mql')),
    status       text NOT NULL DEFAULT 'open'
                 CONSTRAINT leads_status_check CHECK (status IN ('open', 'working', 'converted', 'disqualified')),
    score        integer NOT NULL DEFAULT 0 CONSTRAINT leads_score_check CHECK (score >= 0),
    intent_tags  text[] NOT NULL DEFAULT '{}',
    owner_id     bigint REFERENCES users (id),
    note         text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    closed_at    timestamptz,
    CONSTRAINT leads_closed_at_check CHECK ((status IN ('converted', 'disqualified')) = (closed_at IS NOT NULL))
);
-- Invariant 4: one open (or being worked) lead per account, whoever opens it.
CREATE UNIQUE INDEX IF NOT EXISTS leads_one_open_per_account
    ON leads (tenant_id) WHERE status IN ('open', 'working');
CREATE INDEX IF NOT EXISTS leads_status ON leads (status, id);

-- Each rule firing with its evidence. The same rule version firing for the same
-- account at the same instant is the same signal: a re-run evaluation adds nothing.
CREATE TABLE IF NOT EXISTS intent_signals (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id     text NOT NULL REFERENCES accounts (tenant_id),
    lead_id       bigint REFERENCES leads (id),
    rule_id       text NOT NULL,
    rule_version  integer NOT NULL,
    -- The paid module a fanned-out rule fired for; '' for a rule about the account.
    module        text NOT NULL DEFAULT '',
    evidence      jsonb NOT NULL,
    fired_at      timestamptz NOT NULL,
    CONSTRAINT intent_signals_rule_version_fkey
        FOREIGN KEY (rule_id, rule_version) REFERENCES rule_versions (rule_id, version),
    -- One signal per evaluation: a rerun for the same time writes nothing new.
    CONSTRAINT intent_signals_once UNIQUE (tenant_id, rule_id, rule_version, module, fired_at)
);
CREATE INDEX IF NOT EXISTS intent_signals_lead_id ON intent_signals (lead_id);

CREATE TABLE IF NOT EXISTS opportunities (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id          text NOT NULL REFERENCES accounts (tenant_id),
    kind               text NOT NULL CONSTRAINT opportunities_kind_check CHECK (kind IN ('new', 'upsell', 'renewal')),
    stage              text NOT NULL DEFAULT 'qualification'
                       CONSTRAINT opportunities_stage_check
                       CHECK (stage IN ('qualification', 'proposal', 'negotiation', 'closed_won', 'closed_lost')),
    status             text NOT NULL DEFAULT 'open'
                       CONSTRAINT opportunities_status_check CHECK (status IN ('open', 'won', 'lost')),
    amount             numeric(14, 2) CONSTRAINT opportunities_amount_check CHECK (amount >= 0),
    owner_id           bigint REFERENCES users (id),
    lead_id            bigint REFERENCES leads (id),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    closed_at          timestamptz,
    CONSTRAINT opportunities_stage_matches_status CHECK (
        (status = 'open' AND stage NOT IN ('closed_won', 'closed_lost') AND closed_at IS NULL)
        OR (status = 'won' AND stage = 'closed_won' AND closed_at IS NOT NULL)
        OR (status = 'lost' AND stage = 'closed_lost' AND closed_at IS NOT NULL)
    )
);
-- The 'opportunity' lifecycle state is this one open new-business opportunity.
CREATE UNIQUE INDEX IF NOT EXISTS opportunities_one_open_new_per_account
    ON opportunities (tenant_id) WHERE kind = 'new' AND status = 'open';
CREATE INDEX IF NOT EXISTS opportunities_tenant_id ON opportunities (tenant_id, status);

-- Orders are idempotent by the product's own order id within the account.
CREATE TABLE IF NOT EXISTS orders (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       text NOT NULL REFERENCES accounts (tenant_id),
    order_id        text NOT NULL,
    opportunity_id  bigint REFERENCES opportunities (id),
    revenue         numeric(14, 2) NOT NULL CONSTRAINT orders_revenue_check CHECK (revenue >= 0),
    modules         text[] NOT NULL DEFAULT '{}',
    ordered_at      timestamptz NOT NULL,
    message_id      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orders_order_id_per_account UNIQUE (tenant_id, order_id)
);
CREATE INDEX IF NOT EXISTS orders_opportunity_id ON orders (opportunity_id);

CREATE TABLE IF NOT EXISTS alerts (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id      text NOT NULL REFERENCES accounts (tenant_id),
    rule_id        text NOT NULL REFERENCES rules (id),
    rule_version   integer,
    severity       text NOT NULL CONSTRAINT alerts_severity_check CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    title          text NOT NULL,
    status         text NOT NULL DEFAULT 'open'
                   CONSTRAINT alerts_status_check CHECK (status IN ('open', 'acknowledged', 'snoozed', 'resolved')),
    assignee_id    bigint REFERENCES users (id),
    evidence       jsonb NOT NULL DEFAULT '{}',
    snoozed_until  timestamptz,
    resolution     text,
    opened_at      timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    resolved_at    timestamptz,
    CONSTRAINT alerts_rule_version_fkey
        FOREIGN KEY (rule_id, rule_version) REFERENCES rule_versions (rule_id, version),
    CONSTRAINT alerts_snoozed_until_check CHECK (status <> 'snoozed' OR snoozed_until IS NOT NULL),
    CONSTRAINT alerts_resolved_at_check CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
);
-- Invariant 4: one alert per account and rule until it is resolved.
CREATE UNIQUE INDEX IF NOT EXISTS alerts_one_unresolved_per_account_rule
    ON alerts (tenant_id, rule_id) WHERE status <> 'resolved';
-- The cool-down check after resolution reads the newest resolved alert.
CREATE INDEX IF NOT EXISTS alerts_resolved ON alerts (tenant_id, rule_id, resolved_at DESC)
    WHERE status = 'resolved';
CREATE INDEX IF NOT EXISTS alerts_status ON alerts (status, id);

CREATE TABLE IF NOT EXISTS tasks (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    text NOT NULL REFERENCES accounts (tenant_id),
    title        text NOT NULL,
    due_at       timestamptz,
    assignee_id  bigint REFERENCES users (id),
    lead_id      bigint REFERENCES leads (id),
    alert_id     bigint REFERENCES alerts (id),
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    done_at      timestamptz
);
CREATE INDEX IF NOT EXISTS tasks_open ON tasks (assignee_id, due_at) WHERE done_at IS NULL;

-- Who or what did what to an account, when and why. `at` is when it happened (the
-- event time), recorded_at when the CRM wrote it. Append-only: trigger below.
CREATE TABLE IF NOT EXISTS activity_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    text NOT NULL REFERENCES accounts (tenant_id),
    actor        text NOT NULL,
    action       text NOT NULL,
    from_state   text,
    to_state     text,
    reason       text NOT NULL,
    message_id   text,
    details      jsonb NOT NULL DEFAULT '{}',
    at           timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS activity_log_tenant_id ON activity_log (tenant_id, id);

-- Refuses any change to a row, for history tables. The error names a constraint
-- (<table>_append_only) so crm/errors.ts maps it like any other.
CREATE OR REPLACE FUNCTION refuse_row_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation', TABLE = TG_TABLE_NAME, CONSTRAINT = TG_TABLE_NAME || '_append_only'; END
$$;

CREATE OR REPLACE TRIGGER activity_log_append_only
    BEFORE UPDATE OR DELETE ON activity_log FOR EACH ROW EXECUTE FUNCTION refuse_row_change();
CREATE OR REPLACE TRIGGER activity_log_no_truncate
    BEFORE TRUNCATE ON activity_log FOR EACH STATEMENT EXECUTE FUNCTION refuse_row_change();
CREATE OR REPLACE TRIGGER rule_versions_append_only
    BEFORE UPDATE OR DELETE ON rule_versions FOR EACH ROW EXECUTE FUNCTION refuse_row_change();

-- Keys are stored as a hash only: a leaked table grants nothing.
CREATE TABLE IF NOT EXISTS api_keys (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL,
    role          text NOT NULL CONSTRAINT api_keys_role_check CHECK (role IN ('admin', 'sales', 'csm', 'data', 'write')),
    key_hash      text NOT NULL CONSTRAINT api_keys_key_hash_key UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    last_used_at  timestamptz
);

-- The signing secret is stored as issued (`whsec_` + base64), not hashed: Standard
-- Webhooks signs every delivery with HMAC-SHA256 keyed by the secret itself, so we
-- must be able to read it back, unlike an API key that we only compare. It is
-- protected like the rest of the database (access control, encrypted disks and
-- backups) and never returned by the API after creation.
CREATE TABLE IF NOT EXISTS webhook_subscriptions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url          text NOT NULL CONSTRAINT webhook_subscriptions_url_check CHECK (url ~ '^https?://'),
    secret       text NOT NULL,
    event_types  text[] NOT NULL DEFAULT '{}',
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    disabled_at  timestamptz
);

-- Deliveries waiting or done. webhook_id is the Standard Webhooks `webhook-id`: the
-- same on every retry, so receivers can de-duplicate.
CREATE TABLE IF NOT EXISTS webhook_outbox (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id  bigint NOT NULL REFERENCES webhook_subscriptions (id),
    event_type       text NOT NULL,
    payload          jsonb NOT NULL,
    webhook_id       text NOT NULL CONSTRAINT webhook_outbox_webhook_id_key UNIQUE
                     DEFAULT ('msg_' || replace(gen_random_uuid()::text, '-', '')),
    attempts         integer NOT NULL DEFAULT 0 CONSTRAINT webhook_outbox_attempts_check CHECK (attempts >= 0),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE delivered_at IS NULL;

-- Watermarks of the jobs that read ClickHouse (crm-sync, evaluate): in Postgres, so a
-- flushed Redis loses no place.
CREATE TABLE IF NOT EXISTS crm_sync_state (
    name        text PRIMARY KEY,
    watermark   timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Every lifecycle event the CRM has taken, by its identity within the tenant. Written
-- first in the event's own transaction: a redelivery finds its row and does nothing.
-- No foreign key to accounts: a poisoned event may name no known account.
CREATE TABLE IF NOT EXISTS applied_events (
    tenant_id   text NOT NULL,
    message_id  text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    outcome     text NOT NULL CONSTRAINT applied_events_outcome_check
                CHECK (outcome IN ('applied', 'duplicate_order', 'poisoned')),
    CONSTRAINT applied_events_pkey PRIMARY KEY (tenant_id, message_id)
);

-- Events that cannot be applied, kept with the reason and the event as it came, for
-- a person to look at. They never block the events after them.
CREATE TABLE IF NOT EXISTS poison_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   text NOT NULL,
    message_id  text NOT NULL,
    reason      text NOT NULL,
    detail      text NOT NULL DEFAULT '',
    payload     jsonb NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT poison_events_once UNIQUE (tenant_id, message_id)
);
