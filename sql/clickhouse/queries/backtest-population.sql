-- The accounts a rule could have fired for in a backtest: those in one of the rule's
-- lifecycle stages as of some day {from}..{to}. An as-of day sees the moves of the days
-- before it, so that is the stage as of {from} or a move into the audience before {to};
-- where the rule names plans ({anyPlan} false), also on one of them at some point.
SELECT uniqExact(tenant_id) AS population
FROM (
    SELECT
        tenant_id,
        argMaxIf(stage, (at, activity_id), toDate(at) < {from:Date}) AS stage_at_start,
        countIf(toDate(at) >= {from:Date} AND stage IN {lifecycle:Array(String)}) AS moves_in
    FROM {db:Identifier}.account_stages
    WHERE toDate(at) < {to:Date}
    GROUP BY tenant_id
)
WHERE (stage_at_start IN {lifecycle:Array(String)} OR moves_in > 0)
  AND ({anyPlan:Bool} OR tenant_id IN (
      SELECT tenant_id
      FROM {db:Identifier}.lifecycle_events
      WHERE type = 'group'
        AND toDate(timestamp) < {to:Date}
        AND lower(JSONExtractString(traits, 'plan')) IN {plans:Array(String)}
  ))
