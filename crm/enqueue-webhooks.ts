import type { Queryable } from '../platform/postgres.js'
import { jsonParam } from '../platform/postgres.js'

export type WebhookEventType = 'lead.opened' | 'lead.updated' | 'alert.opened' | 'task.overdue'

/**
 * Puts one event in the outbox of every active subscription that wants it (no event
 * types listed: all). Written in the transaction that made the change, so a change
 * and its notification commit together or not at all; delivery happens later.
 */
export async function enqueueWebhooks(
  tx: Queryable,
  type: WebhookEventType,
  data: Record<string, unknown>,
): Promise<number> {
  const result = await tx.query(
    `INSERT INTO webhook_outbox (subscription_id, event_type, payload)
     SELECT id, $1, $2::text::jsonb FROM webhook_subscriptions
     WHERE active AND (cardinality(event_types) = 0 OR $1 = ANY(event_types))`,
    [type, jsonParam({ type, timestamp: new Date().toISOString(), data })],
  )
  return result.rowCount
}
