import { checkJsonLimits, type JsonLimits } from './check-json-limits.js'
import { type EventRow, type RejectedRow, toClickHouseTime } from './event-row.js'
import type { ModuleCatalogue } from './module-catalogue.js'
import { actorOf, explicitTenant, normalizeEvent } from './normalize-event.js'
import type { RejectReason } from './outcome.js'
import { parseTime } from './parse-time.js'
import type { UserGroups } from './user-groups.js'
import { type TrackingEvent, validateEvent } from './validate-event.js'

export interface BatchInput {
  events: readonly unknown[]
  /** Batch-level context, merged under each event's own. */
  context: Record<string, unknown> | undefined
  sentAt: string | undefined
  receivedAt: number
  writeKeyId: string
}

export interface RejectedEvent {
  index: number
  messageId: string | null
  reason: RejectReason
  message: string
}

export interface BatchResult {
  rows: EventRow[]
  rejectedRows: RejectedRow[]
  rejected: RejectedEvent[]
  /** user → tenant pairs from the batch's group calls, to remember once committed. */
  groups: Array<readonly [string, string]>
}

export interface BatchProcessorOptions {
  catalogue: ModuleCatalogue
  userGroups: UserGroups
  limits: JsonLimits & { maxEventBytes: number }
  skewToleranceMs: number
}

interface Checked {
  index: number
  event: TrackingEvent
  tenant: string | undefined
}

/**
 * The ingest pipeline for one request. The order matters: the size and shape limits run
 * before zod, so the validator never walks a hostile structure; the tenant comes last,
 * since the user's last group may have to be looked up, once for the whole batch.
 */
export function createBatchProcessor(options: BatchProcessorOptions) {
  const { catalogue, userGroups, limits, skewToleranceMs } = options
  return async function processBatch(input: BatchInput): Promise<BatchResult> {
    const result: BatchResult = { rows: [], rejectedRows: [], rejected: [], groups: [] }
    const receivedAtText = toClickHouseTime(input.receivedAt)
    const refuse = (index: number, raw: unknown, reason: RejectReason, detail: string) => {
      const messageId = messageIdOf(raw)
      result.rejected.push({ index, messageId, reason, message: detail })
      result.rejectedRows.push({
        received_at: receivedAtText,
        write_key_id: input.writeKeyId,
        reason,
        detail,
        message_id: messageId ?? '',
        payload: payloadOf(raw, limits.maxEventBytes),
      })
    }

    const checked: Checked[] = []
    const needLookup = new Set<string>()
    for (const [index, original] of input.events.entries()) {
      const raw = withBatchContext(original, input.context)
      const shape = checkJsonLimits(raw, limits)
      if (!shape.ok) {
        refuse(index, raw, shape.reason, shape.detail)
        continue
      }
      // Only an event that might be over the limit pays for the exact count.
      const maxBytes = limits.maxEventBytes
      if (
        shape.value.approxBytes * 3 > maxBytes &&
        Buffer.byteLength(JSON.stringify(raw)) > maxBytes
      ) {
        refuse(index, raw, 'too_large', `the event is larger than ${maxBytes} bytes`)
        continue
      }
      const valid = validateEvent(raw)
      if (!valid.ok) {
        refuse(index, raw, valid.reason, valid.detail)
        continue
      }
      const tenant = explicitTenant(valid.value)
      if (tenant === undefined) needLookup.add(actorOf(valid.value))
      checked.push({ index, event: valid.value, tenant })
    }

    const known =
      needLookup.size > 0 ? await userGroups.lookup(needLookup) : new Map<string, string>()
    const ctx = {
      catalogue,
      receivedAt: input.receivedAt,
      receivedAtText,
      sentAt: input.sentAt === undefined ? undefined : parseTime(input.sentAt),
      skewToleranceMs,
      writeKeyId: input.writeKeyId,
    }
    for (const { index, event, tenant } of checked) {
      const actor = actorOf(event)
      // A group call earlier in the same batch counts for the events after it.
      const tenantId = tenant ?? known.get(actor)
      if (tenantId === undefined) {
        refuse(index, event, 'no_tenant', 'no context.groupId, and the user has joined no group')
        continue
      }
      if (event.type === 'group' && actor !== '') {
        known.set(actor, tenantId)
        result.groups.push([actor, tenantId])
      }
      result.rows.push(normalizeEvent(event, tenantId, ctx))
    }
    // Tenant refusals come from the second pass; the answer lists events in batch order.
    result.rejected.sort((a, b) => a.index - b.index)
    return result
  }
}

function withBatchContext(raw: unknown, context: Record<string, unknown> | undefined): unknown {
  if (context === undefined || raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return raw
  const own = (raw as { context?: unknown }).context
  const merged =
    own !== null && typeof own === 'object' && !Array.isArray(own)
      ? { ...context, ...own }
      : context
  return { ...raw, context: merged }
}

/** The refused event as text for rejected_events, cut at the event size limit. */
function payloadOf(raw: unknown, maxBytes: number): string {
  try {
    return (JSON.stringify(raw) ?? '').slice(0, maxBytes)
  } catch {
    // Too deep to serialise: the reason says so, and there is nothing to keep.
    return ''
  }
}

function messageIdOf(raw: unknown): string | null {
  if (raw === null || typeof raw !== 'object') return null
  const id = (raw as { messageId?: unknown }).messageId
  return typeof id === 'string' ? id.slice(0, 256) : null
}
