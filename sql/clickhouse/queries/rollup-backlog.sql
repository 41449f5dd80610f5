-- The committed parts of `events` that the rollups have not folded yet, oldest block
-- first: how many rows each holds and when it was written.
SELECT
    max_block_number AS max_block,
    rows,
    toUnixTimestamp(modification_time) * 1000 AS written_ms
FROM system.parts
WHERE database = {database:String} AND table = 'events' AND active
  AND max_block_number > {after:UInt64}
ORDER BY max_block_number
