-- The committed parts of `events` that the rollups have not folded yet, oldest block
-- first, and how many rows each holds.
SELECT
    max_block_number AS max_block,
    rows
FROM system.parts
WHERE database = {database:String} AND table = 'events' AND active
  AND max_block_number > {after:UInt64}
ORDER BY max_block_number
