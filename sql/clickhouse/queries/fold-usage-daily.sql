-- Folds the events committed in blocks ({after}, {through}] into usage_daily, as its
-- view did on every insert (sql/clickhouse/0003, 0005). The filter on the part's last
-- block skips every part with nothing new; `_block_number` keeps the rows of a merged
-- part that are new. A row folded twice lands in a set that already holds it.
INSERT INTO {db:Identifier}.usage_daily (tenant_id, day, module, kind, user_id, event_ids, first_seen, last_seen)
SELECT
    tenant_id,
    toDate(timestamp) AS day,
    module,
    kind,
    if(user_id != '', user_id, anonymous_id) AS user_id,
    groupUniqArray(xxHash32(message_id)) AS event_ids,
    min(timestamp) AS first_seen,
    max(timestamp) AS last_seen
FROM {db:Identifier}.events
WHERE toUInt64(splitByChar('_', substring(_part, length(_partition_id) + 2))[2]) > {after:UInt64}
  AND _block_number > {after:UInt64} AND _block_number <= {through:UInt64}
  AND kind IN ('view', 'pricing', 'action', 'lifecycle')
GROUP BY tenant_id, day, module, kind, user_id
