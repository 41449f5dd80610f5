-- What the health score reads, for the given tenants at once, as of the start of {asOf}:
-- active users in the last 28 days and the 28 before, paid-or-free modules used in the
-- last 28 days, and the day of the last activity.
WITH
    {asOf:Date} AS as_of,
    rollup AS (
        SELECT tenant_id, day, module, kind, user_id
        FROM {db:Identifier}.usage_daily
        WHERE tenant_id IN {tenants:Array(String)}
          AND day < as_of AND day >= as_of - 56
          AND kind IN ('view', 'action')
        GROUP BY tenant_id, day, module, kind, user_id
    )
SELECT
    tenant_id,
    uniqExactIf(user_id, day >= as_of - 28) AS active_users,
    uniqExactIf(user_id, day < as_of - 28) AS active_users_before,
    uniqExactIf(module, day >= as_of - 28 AND module != '') AS modules_used,
    toString(max(day)) AS last_active_day
FROM rollup
GROUP BY tenant_id
