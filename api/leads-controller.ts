import { lockAccount } from '../crm/accounts.js'
import { appendActivity } from '../crm/activity-log.js'
import { applyTransition } from '../crm/apply-transition.js'
import { enqueueWebhooks } from '../crm/enqueue-webhooks.js'
import { AppError } from '../platform/errors.js'
import type { Db, Queryable } from '../platform/postgres.js'
import type { ApiKeyIdentity } from './api-keys.js'
import { actorOf } from './auth.js'
import type {
  ConvertLeadBody,
  CreateLeadBody,
  Lead,
  ListLeadsQuery,
  UpdateLeadBody,
} from './leads-schemas.js'
import { getLead, isActiveUser, listLeads, openLeadOf } from './leads-store.js'

export const leadsController = {
  list: (db: Db, query: ListLeadsQuery) => listLeads(db, query),

  /**
   * MQL entry: a rep vouches for a prospect. It goes through the lifecycle table like
   * an ABM firing, so the account becomes a lead and the activity log says who did it.
   */
  create: (db: Db, who: ApiKeyIdentity, body: CreateLeadBody) =>
    db.transaction(async (tx) => {
      const account = await lockAccount(tx, body.tenantId)
      if (!account) throw new AppError('NOT_FOUND', `no account for tenant ${body.tenantId}`)
      const open = await openLeadOf(tx, account.tenantId)
      if (open) {
        throw new AppError('LEAD_ALREADY_OPEN', `the account already has lead ${open}`, {
          leadId: open,
        })
      }
      if (body.ownerId) await requireActiveUser(tx, body.ownerId)
      const moved = await applyTransition(
        tx,
        account,
        { type: 'lead_entered', source: 'mql' },
        {
          actor: actorOf(who),
          at: new Date(),
          note: `MQL entered with key "${who.name}"`,
          lead: {
            score: body.score,
            intentTags: body.intentTags,
            ownerId: body.ownerId,
            note: body.note,
          },
        },
      )
      if (!moved.ok) {
        throw new AppError(
          'ACCOUNT_ILLEGAL_TRANSITION',
          `${moved.detail}: MQL entry takes a prospect`,
        )
      }
      const lead = (await getLead(tx, (await openLeadOf(tx, account.tenantId))!))!
      await enqueueWebhooks(tx, 'lead.opened', {
        leadId: lead.id,
        tenantId: lead.tenantId,
        source: lead.source,
        score: lead.score,
        intentTags: lead.intentTags,
      })
      return { lead, lifecycle: { from: moved.from, to: moved.to } }
    }),

  update: (db: Db, who: ApiKeyIdentity, id: string, body: UpdateLeadBody) =>
    db.transaction(async (tx) => {
      const { lead, account } = await lockLead(tx, id)
      let lifecycle: { from: string; to: string } | null = null
      const changes: Record<string, unknown> = {}
      if (body.ownerId !== undefined && body.ownerId !== lead.ownerId) {
        if (body.ownerId !== null) await requireActiveUser(tx, body.ownerId)
        changes.ownerId = body.ownerId
      }
      if (body.note !== undefined && body.note !== lead.note) changes.note = body.note
      if (Object.keys(changes).length > 0) {
        await tx.query(
          `UPDATE leads SET owner_id = CASE WHEN $2 THEN $3::bigint ELSE owner_id END,
             note = CASE WHEN $4 THEN $5 ELSE note END, updated_at = now() WHERE id = $1`,
          [id, 'ownerId' in changes, body.ownerId ?? null, 'note' in changes, body.note ?? null],
        )
      }
      if (body.status === 'working' && lead.status === 'open') {
        await tx.query("UPDATE leads SET status = 'working', updated_at = now() WHERE id = $1", [
          id,
        ])
        changes.status = 'working'
      }
      if (Object.keys(changes).length > 0) {
        await appendActivity(tx, {
          tenantId: lead.tenantId,
          actor: actorOf(who),
          action: 'lead_updated',
          fromState: null,
          toState: null,
          reason: `lead ${id}: ${Object.keys(changes).join(', ')} changed`,
          at: new Date(),
          details: { leadId: id, ...changes },
        })
      }
      // Disqualifying closes the lead and sends the account back to prospect, which
      // only the lifecycle table may do; it refuses an account already in opportunity.
      if (body.status === 'disqualified') {
        const moved = await applyTransition(
          tx,
          account,
          { type: 'lead_disqualified' },
          { actor: actorOf(who), at: new Date(), note: `lead ${id}` },
        )
        if (!moved.ok) throw new AppError('ACCOUNT_ILLEGAL_TRANSITION', moved.detail)
        lifecycle = { from: moved.from, to: moved.to }
      }
      return { lead: (await getLead(tx, id))!, lifecycle }
    }),

  /**
   * Qualifies the lead into the account's new-business opportunity through the
   * lifecycle (lead → opportunity). The lead is then closed as converted: its work
   * goes on as the opportunity, which keeps a reference to it.
   */
  convert: (db: Db, who: ApiKeyIdentity, id: string, body: ConvertLeadBody) =>
    db.transaction(async (tx) => {
      const { lead, account } = await lockLead(tx, id)
      const at = new Date()
      const moved = await applyTransition(
        tx,
        account,
        { type: 'opportunity_opened' },
        { actor: actorOf(who), at, note: `lead ${id} converted` },
      )
      if (!moved.ok) throw new AppError('ACCOUNT_ILLEGAL_TRANSITION', moved.detail)
      const { rows } = await tx.query<{
        id: string
        kind: string
        stage: string
        status: string
        amount: string | null
      }>(
        `UPDATE opportunities SET lead_id = $2, owner_id = coalesce(owner_id, $3::bigint),
           amount = coalesce($4::numeric, amount), updated_at = now()
         WHERE tenant_id = $1 AND kind = 'new' AND status = 'open'
         RETURNING id, kind, stage, status, amount`,
        [lead.tenantId, id, lead.ownerId, body?.amount ?? null],
      )
      await tx.query(
        "UPDATE leads SET status = 'converted', closed_at = $2, updated_at = now() WHERE id = $1",
        [id, at],
      )
      return {
        lead: (await getLead(tx, id))!,
        opportunity: rows[0]!,
        lifecycle: { from: moved.from, to: moved.to },
      }
    }),
}

/** Locks the account, then the lead (the order every account change takes), and checks the lead is open. */
async function lockLead(tx: Queryable, id: string) {
  const found = await getLead(tx, id)
  if (!found) throw new AppError('NOT_FOUND', `no lead ${id}`)
  const account = (await lockAccount(tx, found.tenantId))!
  const lead: Lead = (await getLead(tx, id, { lock: true }))!
  if (lead.status === 'converted' || lead.status === 'disqualified') {
    throw new AppError(
      'LEAD_ILLEGAL_CHANGE',
      `lead ${id} is ${lead.status}: a closed lead does not change`,
    )
  }
  return { lead, account }
}

async function requireActiveUser(tx: Queryable, id: string): Promise<void> {
  if (!(await isActiveUser(tx, id))) throw new AppError('USER_UNKNOWN', `no active user ${id}`)
}
