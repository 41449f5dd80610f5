-- Follow-up work: tasks that people and playbooks create, and playbooks as versioned
-- data (like rules). The tasks table of 0001 had no user yet; it is extended here.

CREATE TABLE IF NOT EXISTS playbooks (
    id              text PRIMARY KEY CONSTRAINT playbooks_id_check CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    name            text NOT NULL,
    active_version  integer,
    status          text NOT NULL DEFAULT 'draft'
                    CONSTRAINT playbooks_status_check CHECK (status IN ('draft', 'active', 'paused', 'archived')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT playbooks_active_needs_version CHECK (status <> 'active' OR active_version IS NOT NULL)
);

-- A version is immutable: a task names the version whose definition made it, and an
-- alert's resolve check reads that version's requireTasksDoneToResolve.
CREATE TABLE IF NOT EXISTS playbook_versions (
    playbook_id  text NOT NULL REFERENCES playbooks (id),
    version      integer NOT NULL CONSTRAINT playbook_versions_version_check CHECK (version >= 1),
    definition   jsonb NOT NULL,
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT playbook_versions_pkey PRIMARY KEY (playbook_id, version)
);

ALTER TABLE playbooks DROP CONSTRAINT IF EXISTS playbooks_active_version_fkey;
ALTER TABLE playbooks ADD CONSTRAINT playbooks_active_version_fkey
    FOREIGN KEY (id, active_version) REFERENCES playbook_versions (playbook_id, version);

CREATE OR REPLACE TRIGGER playbook_versions_append_only
    BEFORE UPDATE OR DELETE ON playbook_versions FOR EACH ROW EXECUTE FUNCTION refuse_row_change();

ALTER TABLE tasks ADD COLUMN IF NOT EXISTS type text NOT NULL DEFAULT 'other'
    CONSTRAINT tasks_type_check CHECK (type IN ('call', 'meeting', 'training', 'email', 'feedback', 'other'));
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'open'
    CONSTRAINT tasks_status_check CHECK (status IN ('open', 'done', 'cancelled'));
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS description text;
-- What came of it (done), or why not (cancelled).
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS outcome text;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS opportunity_id bigint REFERENCES opportunities (id);
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS cancelled_at timestamptz;
-- When the playbooks job found it overdue past TASK_OVERDUE_ESCALATE_DAYS and sent
-- task.overdue: once per task and due date.
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS escalated_at timestamptz;
-- A playbook's task: which playbook version, for which trigger instance (an alert, a
-- lead, a renewal date, a cadence period) and from which of its task templates.
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS playbook_id text;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS playbook_version integer;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS trigger_key text;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS template_key text;

-- Every task is due some time: lists sort by it, and overdue is read from it.
UPDATE tasks SET due_at = created_at WHERE due_at IS NULL;
ALTER TABLE tasks ALTER COLUMN due_at SET NOT NULL;

ALTER TABLE tasks ADD CONSTRAINT tasks_done_at_check CHECK ((status = 'done') = (done_at IS NOT NULL));
ALTER TABLE tasks ADD CONSTRAINT tasks_cancelled_at_check
    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL));
ALTER TABLE tasks ADD CONSTRAINT tasks_playbook_fkey
    FOREIGN KEY (playbook_id, playbook_version) REFERENCES playbook_versions (playbook_id, version);
ALTER TABLE tasks ADD CONSTRAINT tasks_playbook_complete CHECK (
    (playbook_id IS NULL) = (trigger_key IS NULL) AND (playbook_id IS NULL) = (template_key IS NULL)
    AND (playbook_id IS NULL) = (playbook_version IS NULL)
);
-- Idempotency of the playbooks job: a second run, or a second worker, inserts nothing.
-- Tasks made by people have no playbook; NULLs never conflict.
ALTER TABLE tasks ADD CONSTRAINT tasks_playbook_once UNIQUE (playbook_id, trigger_key, template_key);

-- 0001's partial index reads done_at, which a cancelled task leaves empty.
DROP INDEX IF EXISTS tasks_open;
CREATE INDEX IF NOT EXISTS tasks_open ON tasks (assignee_id, due_at) WHERE status = 'open';
CREATE INDEX IF NOT EXISTS tasks_open_due ON tasks (due_at, id) WHERE status = 'open';
CREATE INDEX IF NOT EXISTS tasks_tenant_id ON tasks (tenant_id, id);
CREATE INDEX IF NOT EXISTS tasks_alert_id ON tasks (alert_id) WHERE alert_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS tasks_lead_id ON tasks (lead_id) WHERE lead_id IS NOT NULL;
-- A cadence counts from the last completed task of its type on the account.
CREATE INDEX IF NOT EXISTS tasks_done_by_type ON tasks (tenant_id, type, done_at) WHERE status = 'done';

-- The onboarding trigger reads the moves into customer.
CREATE INDEX IF NOT EXISTS activity_log_became_customer ON activity_log (at)
    WHERE to_state = 'customer' AND from_state IS DISTINCT FROM 'customer';

-- A key may speak for one CRM user: `GET /api/tasks?mine=true` lists that user's tasks,
-- and a sales key sees the tasks of the leads its user owns.
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS user_id bigint REFERENCES users (id);
