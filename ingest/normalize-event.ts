import { createHash } from 'node:crypto'
import { correctClockSkewMs } from './correct-clock-skew.js'
import { type EventRow, noFields, toClickHouseTime } from './event-row.js'
import type { ModuleCatalogue } from './module-catalogue.js'
import { parseTime } from './parse-time.js'
import { resolveModule } from './resolve-module.js'
import type { TrackingEvent } from './validate-event.js'

export interface NormalizeContext {
  catalogue: ModuleCatalogue
  receivedAt: number
  /** receivedAt as ClickHouse text, made once per request. */
  receivedAtText: string
  /** The batch's sentAt, parsed, for events that carry none of their own. */
  sentAt: number | undefined
  skewToleranceMs: number
  writeKeyId: string
}

/** The tenant an event names itself, if any. */
export function explicitTenant(event: TrackingEvent): string | undefined {
  if (event.type === 'group') return event.groupId
  const fromContext = event.context?.groupId
  if (typeof fromContext === 'string' && fromContext !== '') return fromContext
  if (typeof fromContext === 'number') return String(fromContext)
  return undefined
}

/** The key a user's group membership is remembered under. */
export const actorOf = (event: TrackingEvent): string => event.userId || event.anonymousId || ''

/**
 * Turns a valid event into the row ingest and backfill both write. A missing messageId
 * is derived from the event's content, so an SDK that resends the same payload gets
 * the same id, and a retry stays a duplicate rather than becoming a second event.
 */
export function normalizeEvent(
  event: TrackingEvent,
  tenantId: string,
  ctx: NormalizeContext,
): EventRow {
  const { module, kind, path } = resolveModule(event, ctx.catalogue)
  const timestamp = event.timestamp ?? event.originalTimestamp
  const time = correctClockSkewMs(
    timestamp === undefined ? undefined : parseTime(timestamp),
    event.sentAt === undefined ? ctx.sentAt : parseTime(event.sentAt),
    ctx.receivedAt,
    ctx.skewToleranceMs,
  )
  const properties = 'properties' in event ? event.properties : undefined
  const traits = 'traits' in event ? event.traits : undefined
  return {
    tenant_id: tenantId,
    timestamp: toClickHouseTime(time),
    received_at: ctx.receivedAtText,
    message_id: event.messageId ?? derivedMessageId(event),
    type: event.type,
    event: eventName(event),
    kind,
    module,
    user_id: event.userId ?? '',
    anonymous_id: event.anonymousId ?? '',
    path,
    properties: properties ?? noFields,
    context: event.context ?? noFields,
    traits: traits ?? noFields,
    write_key_id: ctx.writeKeyId,
  }
}

function derivedMessageId(event: TrackingEvent): string {
  const { sentAt: _sentAt, ...content } = event
  return `gen-${createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 32)}`
}

function eventName(event: TrackingEvent): string {
  switch (event.type) {
    case 'track':
      return event.event
    case 'page':
    case 'screen':
      return event.name ?? ''
    case 'alias':
      return event.previousId
    default:
      return ''
  }
}
