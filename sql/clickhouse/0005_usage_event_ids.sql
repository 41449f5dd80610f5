-- usage_daily keeps its message-id hashes as a plain array, `event_ids`, instead of the
-- roaring bitmap `events`. Reading a bitmap state means decoding it row by row, and the
-- rows hold one or two ids each: the rules that count events spent twice as long
-- decoding bitmaps as counting (bench:rules). An array of UInt32 is read as a column.
--
-- The figure stays a distinct count: merges take the union of the arrays
-- (groupUniqArrayArray), and readers count distinct ids across rows (uniqExactArray),
-- so a redelivered event adds an id already present.
--
-- `events` stays for the rows written before this migration, which the INSERT below
-- copies into event_ids; nothing reads it any more, and the view stops filling it.
ALTER TABLE {db:Identifier}.usage_daily
    ADD COLUMN IF NOT EXISTS event_ids SimpleAggregateFunction(groupUniqArrayArray, Array(UInt32));

ALTER TABLE {db:Identifier}.usage_daily_mv MODIFY QUERY
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
WHERE kind IN ('view', 'pricing', 'action', 'lifecycle')
GROUP BY tenant_id, day, module, kind, user_id;

-- The ids of the rows written before, as copies of those rows that merge into them.
-- A copy of a copy changes nothing, so running this twice is safe.
INSERT INTO {db:Identifier}.usage_daily (tenant_id, day, module, kind, user_id, event_ids, first_seen, last_seen)
SELECT tenant_id, day, module, kind, user_id, bitmapToArray(events), first_seen, last_seen
FROM {db:Identifier}.usage_daily
WHERE bitmapCardinality(events) > 0;
