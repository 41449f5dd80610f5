export type JsonObject = Record<string, unknown>

/**
 * A row of the ClickHouse `events` table, as JSONEachRow sends it. The JSON columns
 * travel as objects and ClickHouse stores their text (input_format_json_read_objects_as_strings),
 * so each event is serialised once, not once per column and again for the row.
 */
export interface EventRow {
  tenant_id: string
  timestamp: string
  received_at: string
  message_id: string
  type: string
  event: string
  kind: EventKind
  module: string
  user_id: string
  anonymous_id: string
  path: string
  properties: JsonObject
  context: JsonObject
  traits: JsonObject
  write_key_id: string
}

/**
 * What an event means for usage: `view` a page in a module, `pricing` a pricing page,
 * `action` a feature used, `lifecycle` an order or subscription change; the rest are
 * bookkeeping calls that no usage figure counts.
 */
export type EventKind = 'view' | 'pricing' | 'action' | 'lifecycle' | 'identify' | 'group' | 'alias'

/** A row of `rejected_events`. */
export interface RejectedRow {
  received_at: string
  write_key_id: string
  reason: string
  detail: string
  message_id: string
  payload: string
}

/** ClickHouse's DateTime64(3) text form, in UTC. */
export function toClickHouseTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23).replace('T', ' ')
}
