import type { Queryable } from '../platform/postgres.js'
import { withCrmErrors } from './errors.js'
import type { LeadSource } from './lifecycle.js'

export interface NewLead {
  tenantId: string
  source: LeadSource
  score?: number | undefined
  intentTags?: string[] | undefined
  ownerId?: string | null | undefined
  note?: string | undefined
}

/**
 * Opens a lead; returns its id. A second open lead for the account is refused by the
 * database (leads_one_open_per_account) and surfaces as CRM_DUPLICATE_OPEN_LEAD.
 */
export async function openLead(tx: Queryable, lead: NewLead): Promise<string> {
  const result = await withCrmErrors(() =>
    tx.query<{ id: string }>(
      `INSERT INTO leads (tenant_id, source, score, intent_tags, owner_id, note)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [
        lead.tenantId,
        lead.source,
        lead.score ?? 0,
        lead.intentTags ?? [],
        lead.ownerId ?? null,
        lead.note ?? null,
      ],
    ),
  )
  return result.rows[0]!.id
}

/** Closes the account's open lead, if it has one; returns its id. */
export async function closeOpenLead(
  tx: Queryable,
  tenantId: string,
  status: 'converted' | 'disqualified',
  at: Date,
): Promise<string | undefined> {
  const result = await tx.query<{ id: string }>(
    `UPDATE leads SET status = $2, closed_at = $3, updated_at = now()
     WHERE tenant_id = $1 AND status IN ('open', 'working') RETURNING id`,
    [tenantId, status, at],
  )
  return result.rows[0]?.id
}
