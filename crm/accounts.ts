import type { Queryable } from '../platform/postgres.js'
import type { Lifecycle } from './lifecycle.js'
import type { AccountTraits } from './parse-lifecycle-event.js'

export interface Account {
  tenantId: string
  name: string
  plan: string
  seats: number | null
  /** numeric as text */
  mrr: string | null
  lifecycle: Lifecycle
  ownerTeam: 'sales' | 'cs'
  /** bigint ids as text */
  ownerId: string | null
  csmId: string | null
  traitsAt: Date | null
}

const columns = `tenant_id AS "tenantId", name, plan, seats, mrr, lifecycle,
  owner_team AS "ownerTeam", owner_id AS "ownerId", csm_id AS "csmId", traits_at AS "traitsAt"`

export async function getAccount(db: Queryable, tenantId: string): Promise<Account | undefined> {
  const result = await db.query<Account>(`SELECT ${columns} FROM accounts WHERE tenant_id = $1`, [
    tenantId,
  ])
  return result.rows[0]
}

/**
 * Reads the account and locks it until the transaction ends: every change to one
 * account goes through this, so two processes applying events of the same tenant take
 * turns instead of interleaving.
 */
export async function lockAccount(tx: Queryable, tenantId: string): Promise<Account | undefined> {
  const result = await tx.query<Account>(
    `SELECT ${columns} FROM accounts WHERE tenant_id = $1 FOR UPDATE`,
    [tenantId],
  )
  return result.rows[0]
}

/**
 * Creates the account unless it exists; returns it locked either way, with `created`
 * telling whether this call made it. A racing creator waits on the primary key and
 * then finds the other's row.
 */
export async function createAccount(
  tx: Queryable,
  input: { tenantId: string; traits: AccountTraits; lifecycle: Lifecycle; at: Date },
): Promise<{ account: Account; created: boolean }> {
  const inserted = await tx.query(
    `INSERT INTO accounts (tenant_id, name, plan, seats, mrr, lifecycle, traits_at)
     VALUES ($1, coalesce($2, ''), coalesce($3, 'free'), $4, $5, $6, $7)
     ON CONFLICT (tenant_id) DO NOTHING`,
    [
      input.tenantId,
      input.traits.name ?? null,
      input.traits.plan ?? null,
      input.traits.seats ?? null,
      input.traits.mrr ?? null,
      input.lifecycle,
      input.at,
    ],
  )
  const account = await lockAccount(tx, input.tenantId)
  if (!account) throw new Error(`account ${input.tenantId} vanished after insert`)
  return { account, created: inserted.rowCount === 1 }
}

/**
 * Sets the traits a group call carries, unless a newer group call was applied already
 * (events arrive out of order). Traits the call leaves out keep their value.
 */
export async function updateTraits(
  tx: Queryable,
  tenantId: string,
  traits: AccountTraits,
  at: Date,
): Promise<boolean> {
  const result = await tx.query(
    `UPDATE accounts SET
       name = coalesce($2, name), plan = coalesce($3, plan), seats = coalesce($4, seats),
       mrr = coalesce($5, mrr), traits_at = $6, updated_at = now()
     WHERE tenant_id = $1 AND (traits_at IS NULL OR traits_at <= $6)`,
    [
      tenantId,
      traits.name ?? null,
      traits.plan ?? null,
      traits.seats ?? null,
      traits.mrr ?? null,
      at,
    ],
  )
  return result.rowCount === 1
}

export async function setLifecycle(tx: Queryable, tenantId: string, to: Lifecycle): Promise<void> {
  await tx.query('UPDATE accounts SET lifecycle = $2, updated_at = now() WHERE tenant_id = $1', [
    tenantId,
    to,
  ])
}

/** Customer success owns the account from here; its CSM is its owner. */
export async function handToCustomerSuccess(
  tx: Queryable,
  tenantId: string,
  csmId: string | null,
): Promise<void> {
  await tx.query(
    `UPDATE accounts SET owner_team = 'cs', csm_id = $2, owner_id = $2, updated_at = now()
     WHERE tenant_id = $1`,
    [tenantId, csmId],
  )
}
