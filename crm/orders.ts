import type { Queryable } from '../platform/postgres.js'
import type { OrderFacts } from './parse-lifecycle-event.js'

export async function hasOrder(tx: Queryable, tenantId: string, orderId: string): Promise<boolean> {
  const result = await tx.query('SELECT 1 FROM orders WHERE tenant_id = $1 AND order_id = $2', [
    tenantId,
    orderId,
  ])
  return result.rowCount === 1
}

/**
 * Stores an order once: the product's order id is unique within the account, so the
 * same order sent again under a new message id adds nothing. Returns whether it did.
 */
export async function recordOrder(
  tx: Queryable,
  input: {
    tenantId: string
    order: OrderFacts
    opportunityId: string | undefined
    at: Date
    messageId: string
  },
): Promise<boolean> {
  const result = await tx.query(
    `INSERT INTO orders (tenant_id, order_id, opportunity_id, revenue, modules, ordered_at, message_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (tenant_id, order_id) DO NOTHING`,
    [
      input.tenantId,
      input.order.orderId,
      input.opportunityId ?? null,
      input.order.revenue,
      input.order.modules,
      input.at,
      input.messageId,
    ],
  )
  return result.rowCount === 1
}
