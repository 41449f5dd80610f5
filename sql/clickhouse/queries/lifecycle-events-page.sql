-- A page of lifecycle events received at or after {from}, after the last row of the
-- previous page. Keyset order: received_at, tenant, then event time, so that a page
-- boundary inside one request never puts a tenant's later event before its earlier one.
SELECT
    tenant_id,
    message_id,
    -- Aliases must not shadow the columns: WHERE would compare the text.
    toString(timestamp) AS timestamp_text,
    toString(received_at) AS received_text,
    type,
    event,
    traits,
    properties
FROM {db:Identifier}.lifecycle_events
WHERE received_at >= {from:DateTime64(3, 'UTC')}
  AND (received_at, tenant_id, timestamp, message_id)
      > ({afterReceived:DateTime64(3, 'UTC')}, {afterTenant:String}, {afterTimestamp:DateTime64(3, 'UTC')}, {afterMessage:String})
ORDER BY received_at, tenant_id, timestamp, message_id
LIMIT {limit:UInt32}
