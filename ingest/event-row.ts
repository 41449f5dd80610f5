export type JsonObject = Record<string, unknown>

/** The JSON column of an event that sent none: one shared object, written as `{}` at once. */
export const noFields: JsonObject = Object.freeze({})

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

const dayMs = 86_400_000
// Four-digit years only: outside them toISOString writes a signed six-digit year.
const firstMs = Date.parse('0000-01-01T00:00:00Z')
const endMs = Date.parse('+010000-01-01T00:00:00Z')
let cachedDay = Number.NaN
let cachedDate = ''
const two = (n: number) => (n < 10 ? `0${n}` : `${n}`)
const three = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`)

/**
 * ClickHouse's DateTime64(3) text form, in UTC. Ingest formats every event's time, and
 * going through a Date and its ISO string was 3% of the event loop in bench:ingest: the
 * day's text is kept, since the events of a batch nearly all share one day.
 */
export function toClickHouseTime(ms: number): string {
  const t = Math.floor(ms)
  if (!(t >= firstMs && t < endMs)) return new Date(ms).toISOString().slice(0, 23).replace('T', ' ')
  const day = Math.floor(t / dayMs)
  if (day !== cachedDay) {
    cachedDate = new Date(day * dayMs).toISOString().slice(0, 11).replace('T', ' ')
    cachedDay = day
  }
  let rest = t - day * dayMs
  const hours = Math.floor(rest / 3_600_000)
  rest -= hours * 3_600_000
  const minutes = Math.floor(rest / 60_000)
  rest -= minutes * 60_000
  const seconds = Math.floor(rest / 1000)
  return `${cachedDate}${two(hours)}:${two(minutes)}:${two(seconds)}.${three(rest - seconds * 1000)}`
}
