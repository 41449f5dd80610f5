import type { Tx } from '../platform/postgres.js'
import {
  type ApplySummary,
  applyLifecycleEventInTransaction,
  type CrmPolicy,
  type PoisonReason,
} from './apply-lifecycle-event.js'
import type { LifecycleEventInput } from './parse-lifecycle-event.js'

interface Transactional {
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>
}

/**
 * Gives set-aside events another go, oldest first. Meant for reasons that time can
 * cure: an order that arrived before the tenant's first group call is
 * `unknown_account` until that call is applied. Each event's poison row and record are
 * removed and the event re-applied in one transaction, so it ends either applied or
 * poisoned again, never lost; two processes retrying at once take turns on the row.
 */
export async function retryPoisonEvents(
  db: Transactional,
  options: {
    reasons?: readonly PoisonReason[]
    tenantId?: string
    limit?: number
    policy?: CrmPolicy
  } = {},
): Promise<ApplySummary> {
  const reasons = options.reasons ?? ['unknown_account']
  const summary: ApplySummary = { applied: 0, duplicates: 0, poisoned: 0, poison: [] }
  const candidates = await db.transaction((tx) =>
    tx.query<{ id: string }>(
      `SELECT id FROM poison_events
       WHERE reason = ANY($1::text[]) AND ($2::text IS NULL OR tenant_id = $2)
       ORDER BY at, id LIMIT $3`,
      [reasons, options.tenantId ?? null, options.limit ?? 1000],
    ),
  )
  for (const { id } of candidates.rows) {
    const outcome = await db.transaction(async (tx) => {
      const taken = await tx.query<{ payload: LifecycleEventInput }>(
        'DELETE FROM poison_events WHERE id = $1 RETURNING payload',
        [id],
      )
      const input = taken.rows[0]?.payload
      if (!input) return undefined // another process retried it first
      await tx.query('DELETE FROM applied_events WHERE tenant_id = $1 AND message_id = $2', [
        input.tenantId,
        input.messageId,
      ])
      const result = await applyLifecycleEventInTransaction(tx, input, options.policy)
      return { input, result }
    })
    if (!outcome) continue
    const { input, result } = outcome
    if (result.kind === 'applied') summary.applied++
    else if (result.kind === 'poisoned') {
      summary.poisoned++
      const { tenantId, messageId } = input
      summary.poison.push({ tenantId, messageId, reason: result.reason, detail: result.detail })
    } else summary.duplicates++
  }
  return summary
}
