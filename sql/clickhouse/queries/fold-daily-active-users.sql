-- The same blocks into daily_active_users, as its view did (sql/clickhouse/0004).
INSERT INTO {db:Identifier}.daily_active_users (tenant_id, day, user_key)
SELECT DISTINCT
    tenant_id,
    toDate(timestamp) AS day,
    cityHash64(if(user_id != '', user_id, anonymous_id)) AS user_key
FROM {db:Identifier}.events
WHERE toUInt64(splitByChar('_', substring(_part, length(_partition_id) + 2))[2]) > {after:UInt64}
  AND _block_number > {after:UInt64} AND _block_number <= {through:UInt64}
  AND kind IN ('view', 'pricing', 'action')
