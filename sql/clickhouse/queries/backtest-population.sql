-- The accounts a rule could have fired for in a backtest: tenants known by a group call
-- before {to}, on one of the rule's plans at some point ({anyPlan}: any plan).
SELECT uniqExact(tenant_id) AS population
FROM {db:Identifier}.lifecycle_events
WHERE type = 'group'
  AND timestamp < {to:Date} + 1
  AND ({anyPlan:Bool} OR JSONExtractString(traits, 'plan') IN {plans:Array(String)})
