import { type EventRow, type JsonObject, noFields } from './event-row.js'

/** The columns of `events` in the order encodeEventRows writes them. */
export const eventColumns = [
  'tenant_id',
  'timestamp',
  'received_at',
  'message_id',
  'type',
  'event',
  'kind',
  'module',
  'user_id',
  'anonymous_id',
  'path',
  'properties',
  'context',
  'traits',
  'write_key_id',
] as const satisfies ReadonlyArray<keyof EventRow>

const special = /[\\\t\n\r]/
const specials = /[\\\t\n\r]/g
const escapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' }

// TabSeparated escaping: a backslash, tab or line break inside a value is written as its
// backslash escape, so that tabs and line breaks only ever separate values and rows.
function field(value: string): string {
  return special.test(value) ? value.replace(specials, (c) => escapes[c]!) : value
}

// JSON text holds no raw tab or line break (JSON.stringify escapes them), so of the
// four only the backslash can need escaping, and one scan for it is enough.
function jsonField(value: JsonObject): string {
  if (value === noFields) return '{}'
  const text = JSON.stringify(value)
  return text.includes('\\') ? text.replaceAll('\\', '\\\\') : text
}

/**
 * Rows as TabSeparated text. ClickHouse parses it for a fraction of what JSONEachRow
 * costs, and on this path ClickHouse's CPU is the scarcer one (bench:ingest), so the
 * encoding moves here. The JSON columns are serialised once, as their stored text.
 */
export function encodeEventRows(rows: readonly EventRow[]): string {
  let out = ''
  for (const r of rows) {
    out += `${field(r.tenant_id)}\t${r.timestamp}\t${r.received_at}\t${field(r.message_id)}\t${r.type}\t${field(r.event)}\t${r.kind}\t${field(r.module)}\t${field(r.user_id)}\t${field(r.anonymous_id)}\t${field(r.path)}\t${jsonField(r.properties)}\t${jsonField(r.context)}\t${jsonField(r.traits)}\t${field(r.write_key_id)}\n`
  }
  return out
}
