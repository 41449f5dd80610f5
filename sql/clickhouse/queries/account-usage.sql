-- One account's daily usage between two days, both included: per module and event kind,
-- and per day over all of them (the GROUPING SETS row with is_total = 1), because
-- active users of a day cannot be summed from its modules. Events are the distinct
-- message ids of the day's rows, so a redelivered event is counted once.
-- The day is read as text under another name: an alias that shadowed the column would
-- make WHERE compare the text with a Date.
SELECT
    toString(day) AS day_text,
    module,
    kind,
    grouping(module, kind) != 0 AS is_total,
    uniqExactArray(event_ids) AS events,
    uniqExact(user_id) AS active_users
FROM {db:Identifier}.usage_daily
WHERE tenant_id = {tenantId:String}
  AND day BETWEEN {from:Date} AND {to:Date}
GROUP BY GROUPING SETS ((day, module, kind), (day))
ORDER BY day_text, is_total DESC, module, kind
