import { randomBytes } from 'node:crypto'
import type { z } from 'zod'
import { AppError } from '../platform/errors.js'
import type { Db } from '../platform/postgres.js'
import { decodeCursor, idCursor, toPage } from './cursor.js'
import { iso, isoOrNull } from './schemas.js'
import type { createWebhookBody, DeliveriesQuery } from './webhooks-schemas.js'

interface SubscriptionRow {
  id: string
  url: string
  event_types: string[]
  active: boolean
  created_at: Date
  disabled_at: Date | null
}

interface DeliveryRow {
  id: string
  webhook_id: string
  event_type: string
  attempts: number
  last_error: string | null
  next_attempt_at: Date
  delivered_at: Date | null
  created_at: Date
}

// The secret never leaves through these columns: it is shown once, when created.
const subscriptionColumns = 'id, url, event_types, active, created_at, disabled_at'

const toSubscription = (row: SubscriptionRow) => ({
  id: row.id,
  url: row.url,
  eventTypes: row.event_types,
  active: row.active,
  createdAt: iso(row.created_at),
  disabledAt: isoOrNull(row.disabled_at),
})

const statusOf = (row: DeliveryRow): 'delivered' | 'pending' | 'failing' =>
  row.delivered_at ? 'delivered' : row.attempts > 0 ? 'failing' : 'pending'

const deliveryFilters = {
  delivered: 'delivered_at IS NOT NULL',
  pending: 'delivered_at IS NULL AND attempts = 0',
  failing: 'delivered_at IS NULL AND attempts > 0',
} as const

/** Standard Webhooks secret: `whsec_` + base64 of 32 random bytes (the HMAC key). */
export const generateWebhookSecret = () => `whsec_${randomBytes(32).toString('base64')}`

export const webhooksController = {
  async create(db: Db, body: z.infer<typeof createWebhookBody>) {
    const secret = generateWebhookSecret()
    const { rows } = await db.query<SubscriptionRow>(
      `INSERT INTO webhook_subscriptions (url, secret, event_types) VALUES ($1, $2, $3)
       RETURNING ${subscriptionColumns}`,
      [body.url, secret, [...new Set(body.eventTypes)].sort()],
    )
    return { ...toSubscription(rows[0]!), secret }
  },

  async list(db: Db) {
    const { rows } = await db.query<SubscriptionRow>(
      `SELECT ${subscriptionColumns} FROM webhook_subscriptions ORDER BY id`,
    )
    return { items: rows.map(toSubscription) }
  },

  /** Deactivates (the outbox keeps its rows, which point at the subscription); twice is harmless. */
  async deactivate(db: Db, id: string) {
    const { rows } = await db.query<SubscriptionRow>(
      `UPDATE webhook_subscriptions SET active = false, disabled_at = coalesce(disabled_at, now())
       WHERE id = $1 RETURNING ${subscriptionColumns}`,
      [id],
    )
    if (!rows[0]) throw new AppError('NOT_FOUND', `no webhook subscription ${id}`)
    return toSubscription(rows[0])
  },

  async deliveries(db: Db, id: string, query: DeliveriesQuery) {
    const found = await db.query('SELECT 1 FROM webhook_subscriptions WHERE id = $1', [id])
    if (found.rowCount === 0) throw new AppError('NOT_FOUND', `no webhook subscription ${id}`)
    const params: unknown[] = [id, query.limit + 1]
    const where = ['subscription_id = $1']
    if (query.status) where.push(deliveryFilters[query.status])
    if (query.cursor) {
      params.push(decodeCursor(query.cursor, idCursor).i)
      where.push(`id < $${params.length}::bigint`)
    }
    const { rows } = await db.query<DeliveryRow>(
      `SELECT id, webhook_id, event_type, attempts, last_error, next_attempt_at, delivered_at,
         created_at
       FROM webhook_outbox WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $2`,
      params,
    )
    return toPage(
      rows,
      query.limit,
      (row) => ({
        id: row.id,
        webhookId: row.webhook_id,
        eventType: row.event_type,
        status: statusOf(row),
        attempts: row.attempts,
        lastError: row.last_error,
        nextAttemptAt: iso(row.next_attempt_at),
        deliveredAt: isoOrNull(row.delivered_at),
        createdAt: iso(row.created_at),
      }),
      (row) => ({ i: row.id }),
    )
  },
}
