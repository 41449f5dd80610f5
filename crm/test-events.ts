import type { LifecycleEventInput } from './parse-lifecycle-event.js'

/** Builders for lifecycle events as the crm-sync job hands them over, for tests. */
export const day = (iso: string) => new Date(`${iso}T12:00:00.000Z`)

export function groupCall(
  tenantId: string,
  messageId: string,
  at: string,
  traits: Record<string, unknown>,
): LifecycleEventInput {
  return { tenantId, messageId, timestamp: day(at), type: 'group', traits }
}

export function orderCompleted(
  tenantId: string,
  messageId: string,
  at: string,
  properties: Record<string, unknown>,
): LifecycleEventInput {
  return {
    tenantId,
    messageId,
    timestamp: day(at).toISOString(),
    type: 'track',
    event: 'Order Completed',
    properties,
  }
}

export function subscriptionRenewed(
  tenantId: string,
  messageId: string,
  at: string,
  properties: Record<string, unknown> = {},
): LifecycleEventInput {
  return {
    tenantId,
    messageId,
    timestamp: day(at),
    type: 'track',
    event: 'Subscription Renewed',
    properties,
  }
}

export function subscriptionCancelled(
  tenantId: string,
  messageId: string,
  at: string,
  properties: Record<string, unknown> = {},
): LifecycleEventInput {
  return {
    tenantId,
    messageId,
    timestamp: day(at),
    type: 'track',
    event: 'Subscription Cancelled',
    properties,
  }
}

/** A whole customer life: group, first order, renewal, cancellation, win-back order. */
export function lifetime(tenantId: string): LifecycleEventInput[] {
  return [
    groupCall(tenantId, `${tenantId}-g1`, '2024-01-01', { name: 'Acme', plan: 'free', seats: 5 }),
    orderCompleted(tenantId, `${tenantId}-o1`, '2024-02-01', {
      orderId: 'A-1',
      revenue: 1200,
      products: [{ module: 'reports' }, { module: 'sso' }, { module: 'reports' }],
    }),
    subscriptionRenewed(tenantId, `${tenantId}-r1`, '2025-02-01', { revenue: '1300.00' }),
    subscriptionCancelled(tenantId, `${tenantId}-c1`, '2025-06-01', { reason: 'budget cut' }),
    orderCompleted(tenantId, `${tenantId}-o2`, '2025-09-01', { orderId: 'A-2', revenue: 900 }),
  ]
}
