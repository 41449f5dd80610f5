-- The tenant each of the given users last joined with a `group` call.
SELECT user_id, argMax(tenant_id, updated_at) AS tenant_id
FROM {db:Identifier}.user_groups
WHERE user_id IN {users:Array(String)}
GROUP BY user_id
