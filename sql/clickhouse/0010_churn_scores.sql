-- Every customer's churn probability as the scoring job computed it, one row per tenant
-- and as-of day, so that a rule (metric churn_risk) reads it as of any day, like the
-- health scores: the CRM store keeps only the latest on the account. Scoring a day
-- again replaces it at merge time; readers take the newest by computed_at.
CREATE TABLE IF NOT EXISTS {db:Identifier}.churn_scores
(
    tenant_id    LowCardinality(String),
    day          Date,
    probability  Float64,
    model_id     UInt64,
    reasons      String CODEC(ZSTD(3)),
    computed_at  DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(computed_at)
PARTITION BY toYYYYMM(day)
ORDER BY (tenant_id, day);
