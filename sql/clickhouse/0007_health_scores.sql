-- Every customer's health score as the health job computed it, one row per tenant and
-- day (the day it was computed as of), so that a churn rule can read it as of any day:
-- the CRM store keeps only the latest score on the account. A second run on the same
-- day replaces the first at merge time; readers take the newest by computed_at.
CREATE TABLE IF NOT EXISTS {db:Identifier}.health_scores
(
    tenant_id    LowCardinality(String),
    day          Date,
    score        Float64,
    computed_at  DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(computed_at)
PARTITION BY toYYYYMM(day)
ORDER BY (tenant_id, day);
