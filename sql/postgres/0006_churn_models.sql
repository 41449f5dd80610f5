-- Churn models as versioned data: what a model was trained on (features, periods,
-- horizon), its fitted parameters, its quality on the validation period beside the
-- baselines', and who trained it. At most one model is active; a version is never
-- edited, only activated, retired or left as a rejected candidate.
CREATE TABLE IF NOT EXISTS churn_models (
    id            bigserial PRIMARY KEY,
    algorithm     text NOT NULL,
    features      jsonb NOT NULL,
    params        jsonb NOT NULL,
    horizon_days  integer NOT NULL CONSTRAINT churn_models_horizon_check CHECK (horizon_days BETWEEN 1 AND 365),
    train_from    date NOT NULL,
    train_to      date NOT NULL,
    valid_from    date NOT NULL,
    valid_to      date NOT NULL,
    threshold     double precision NOT NULL CONSTRAINT churn_models_threshold_check CHECK (threshold BETWEEN 0 AND 1),
    target_precision double precision NOT NULL,
    metrics       jsonb NOT NULL,
    status        text NOT NULL DEFAULT 'candidate'
                  CONSTRAINT churn_models_status_check CHECK (status IN ('candidate', 'active', 'retired', 'rejected')),
    status_reason text NOT NULL DEFAULT '',
    trained_by    text NOT NULL,
    trained_at    timestamptz NOT NULL DEFAULT now(),
    activated_at  timestamptz,
    CONSTRAINT churn_models_periods_check CHECK (train_from <= train_to AND train_to < valid_from AND valid_from <= valid_to)
);
CREATE UNIQUE INDEX IF NOT EXISTS churn_models_one_active ON churn_models ((true)) WHERE status = 'active';

-- The active model's latest score of each customer, with the reasons a CSM reads.
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS churn_risk double precision
    CONSTRAINT accounts_churn_risk_check CHECK (churn_risk BETWEEN 0 AND 1);
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS churn_reasons jsonb NOT NULL DEFAULT '[]';
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS churn_model_id bigint REFERENCES churn_models (id);
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS churn_scored_at timestamptz;
