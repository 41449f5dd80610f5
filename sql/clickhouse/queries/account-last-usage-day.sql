-- The last day up to {to} on which an account used the product, and whether there is
-- one at all (max() of no rows is the zero date): the console's usage chart ends there.
SELECT
    toString(max(day)) AS last_day,
    count() > 0 AS found
FROM {db:Identifier}.usage_daily
WHERE tenant_id = {tenantId:String}
  AND day <= {to:Date}
