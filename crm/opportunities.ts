import type { Queryable } from '../platform/postgres.js'
import { withCrmErrors } from './errors.js'
import type { OpportunityKind } from './lifecycle.js'

/** Opens the account's new-business opportunity; a second one is CRM_DUPLICATE_OPEN_OPPORTUNITY. */
export async function openOpportunity(
  tx: Queryable,
  input: { tenantId: string; leadId?: string | undefined; ownerId?: string | null | undefined },
): Promise<string> {
  const result = await withCrmErrors(() =>
    tx.query<{ id: string }>(
      `INSERT INTO opportunities (tenant_id, kind, lead_id, owner_id)
       VALUES ($1, 'new', $2, $3) RETURNING id`,
      [input.tenantId, input.leadId ?? null, input.ownerId ?? null],
    ),
  )
  return result.rows[0]!.id
}

/**
 * Marks the oldest open opportunity of this kind won, or, when there is none (an order
 * nobody forecast), books one already won. Returns its id, for the order to hang off.
 * The amount given fills in an opportunity that had none.
 */
export async function winOpportunity(
  tx: Queryable,
  input: {
    tenantId: string
    kind: OpportunityKind
    amount: string | undefined
    at: Date
    leadId?: string | undefined
  },
): Promise<string> {
  const won = await tx.query<{ id: string }>(
    `UPDATE opportunities SET status = 'won', stage = 'closed_won', closed_at = $3,
       amount = coalesce(amount, $4), updated_at = now()
     WHERE id = (
       SELECT id FROM opportunities
       WHERE tenant_id = $1 AND kind = $2 AND status = 'open'
       ORDER BY id LIMIT 1 FOR UPDATE
     )
     RETURNING id`,
    [input.tenantId, input.kind, input.at, input.amount ?? null],
  )
  if (won.rows[0]) return won.rows[0].id
  const booked = await tx.query<{ id: string }>(
    `INSERT INTO opportunities (tenant_id, kind, stage, status, amount, lead_id, created_at, closed_at)
     VALUES ($1, $2, 'closed_won', 'won', $3, $4, $5, $5) RETURNING id`,
    [input.tenantId, input.kind, input.amount ?? null, input.leadId ?? null, input.at],
  )
  return booked.rows[0]!.id
}

/** Closes every open opportunity of the account as lost; returns how many. */
export async function loseOpenOpportunities(
  tx: Queryable,
  tenantId: string,
  at: Date,
): Promise<number> {
  const result = await tx.query(
    `UPDATE opportunities SET status = 'lost', stage = 'closed_lost', closed_at = $2,
       updated_at = now()
     WHERE tenant_id = $1 AND status = 'open'`,
    [tenantId, at],
  )
  return result.rowCount
}
