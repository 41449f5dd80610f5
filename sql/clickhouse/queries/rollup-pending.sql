-- The committed events not folded yet: how many, and when the oldest was received (the
-- rollups' lag). Reads only the parts with a block after {after}.
SELECT count() AS rows, toUnixTimestamp64Milli(min(received_at)) AS oldest_ms
FROM {db:Identifier}.events
WHERE toUInt64(splitByChar('_', substring(_part, length(_partition_id) + 2))[2]) > {after:UInt64}
  AND _block_number > {after:UInt64}
