import { z } from 'zod'

/** A lifecycle event as the crm-sync job reads it from ClickHouse, JSON columns parsed. */
export interface LifecycleEventInput {
  tenantId: string
  messageId: string
  timestamp: Date | string
  type: 'group' | 'track'
  event?: string | undefined
  traits?: Record<string, unknown> | undefined
  properties?: Record<string, unknown> | undefined
}

export interface AccountTraits {
  name?: string | undefined
  plan?: string | undefined
  seats?: number | undefined
  /** numeric(14,2) as text: money stays exact. */
  mrr?: string | undefined
}

export interface OrderFacts {
  orderId: string
  revenue: string
  modules: string[]
}

interface EventIdentity {
  tenantId: string
  messageId: string
  at: Date
}

export type ParsedLifecycleEvent = EventIdentity &
  (
    | { kind: 'traits'; traits: AccountTraits }
    | { kind: 'order'; order: OrderFacts }
    | { kind: 'renewal'; amount: string | undefined }
    | { kind: 'cancellation'; why: string | undefined }
  )

export type ParseRefusal =
  | 'invalid_event'
  | 'invalid_traits'
  | 'invalid_order'
  | 'unsupported_event'

export type ParseResult =
  | { ok: true; event: ParsedLifecycleEvent }
  | { ok: false; reason: ParseRefusal; detail: string }

// Money as the product sends it: a number (rounded to cents) or a decimal string with at
// most two decimals, the column's scale, never negative. Kept as text from here on.
const money = z
  .union([z.number().finite().nonnegative(), z.string().regex(/^\d{1,12}(\.\d{1,2})?$/)])
  .transform((value) => (typeof value === 'number' ? value.toFixed(2) : value))
  .refine((value) => Number(value) < 1e12, 'too large')

const traitsSchema = z.object({
  name: z.string().max(500).optional(),
  plan: z.string().max(100).optional(),
  seats: z.number().int().nonnegative().max(10_000_000).optional(),
  mrr: money.optional(),
})

const orderSchema = z.object({
  orderId: z.union([z.string().min(1).max(200), z.number().int().nonnegative()]).optional(),
  order_id: z.union([z.string().min(1).max(200), z.number().int().nonnegative()]).optional(),
  revenue: money.optional(),
  total: money.optional(),
  products: z
    .array(z.object({ module: z.string().min(1).max(100).optional() }).loose())
    .max(1000)
    .optional(),
})

const renewalSchema = z.object({
  revenue: money.optional(),
  amount: money.optional(),
  mrr: money.optional(),
})

const cancellationSchema = z.object({ reason: z.string().max(1000).optional() })

const describe = (error: z.ZodError) =>
  error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')

/**
 * The event time as a Date. ClickHouse writes DateTime64(3, 'UTC') as
 * '2024-01-01 12:00:00.000', with no zone; JavaScript would read that as local time.
 */
export function parseTimestamp(value: Date | string): Date {
  if (value instanceof Date) return value
  const zoneless = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(value)
  return new Date(zoneless ? `${value.replace(' ', 'T')}Z` : value)
}

/** Validates one event; an event the CRM cannot use comes back as a reason, not a throw. */
export function parseLifecycleEvent(input: LifecycleEventInput): ParseResult {
  const at = parseTimestamp(input.timestamp)
  if (!input.tenantId || !input.messageId || Number.isNaN(at.getTime())) {
    return {
      ok: false,
      reason: 'invalid_event',
      detail: 'needs tenantId, messageId and a valid timestamp',
    }
  }
  const identity = { tenantId: input.tenantId, messageId: input.messageId, at }
  if (input.type === 'group') {
    const traits = traitsSchema.safeParse(input.traits ?? {})
    if (!traits.success)
      return { ok: false, reason: 'invalid_traits', detail: describe(traits.error) }
    return { ok: true, event: { ...identity, kind: 'traits', traits: traits.data } }
  }
  const properties = input.properties ?? {}
  switch (input.type === 'track' ? input.event : undefined) {
    case 'Order Completed': {
      const parsed = orderSchema.safeParse(properties)
      if (!parsed.success)
        return { ok: false, reason: 'invalid_order', detail: describe(parsed.error) }
      const orderId = parsed.data.orderId ?? parsed.data.order_id
      if (orderId === undefined) {
        return { ok: false, reason: 'invalid_order', detail: 'orderId: required' }
      }
      const modules = [
        ...new Set((parsed.data.products ?? []).flatMap((product) => product.module ?? [])),
      ].sort()
      const revenue = parsed.data.revenue ?? parsed.data.total ?? '0.00'
      return {
        ok: true,
        event: {
          ...identity,
          kind: 'order',
          order: { orderId: String(orderId), revenue, modules },
        },
      }
    }
    case 'Subscription Renewed': {
      const parsed = renewalSchema.safeParse(properties)
      if (!parsed.success)
        return { ok: false, reason: 'invalid_event', detail: describe(parsed.error) }
      const amount = parsed.data.revenue ?? parsed.data.amount ?? parsed.data.mrr
      return { ok: true, event: { ...identity, kind: 'renewal', amount } }
    }
    case 'Subscription Cancelled': {
      const parsed = cancellationSchema.safeParse(properties)
      if (!parsed.success)
        return { ok: false, reason: 'invalid_event', detail: describe(parsed.error) }
      return { ok: true, event: { ...identity, kind: 'cancellation', why: parsed.data.reason } }
    }
    default:
      return {
        ok: false,
        reason: 'unsupported_event',
        detail: `not a lifecycle event: ${input.type} ${input.event ?? ''}`.trim(),
      }
  }
}
