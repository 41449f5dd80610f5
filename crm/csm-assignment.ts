import type { Queryable } from '../platform/postgres.js'

// Held to the end of the assigning transaction: assignments take turns, so two
// processes converting accounts at once never both pick the same least-loaded CSM.
const CSM_ASSIGNMENT_LOCK_KEY = '7461706c73650002'

/**
 * The CSM a new customer goes to: among active users with role csm, the one with the
 * fewest customer accounts, ties broken by id. Over many accounts this is a
 * round-robin that also evens out after CSMs join or accounts churn. Null when the
 * CRM has no CSM yet; the account still moves to customer success, unassigned.
 */
export async function pickCsm(tx: Queryable): Promise<string | null> {
  await tx.query(`SELECT pg_advisory_xact_lock(x'${CSM_ASSIGNMENT_LOCK_KEY}'::bigint)`)
  const result = await tx.query<{ id: string }>(
    `SELECT u.id
     FROM users u
     LEFT JOIN accounts a ON a.csm_id = u.id AND a.lifecycle = 'customer'
     WHERE u.role = 'csm' AND u.active
     GROUP BY u.id
     ORDER BY count(a.tenant_id), u.id
     LIMIT 1`,
  )
  return result.rows[0]?.id ?? null
}

/** Whether a user can still serve as an account's CSM (a returning customer keeps theirs). */
export async function isActiveCsm(tx: Queryable, userId: string): Promise<boolean> {
  const result = await tx.query(`SELECT 1 FROM users WHERE id = $1 AND role = 'csm' AND active`, [
    userId,
  ])
  return result.rowCount === 1
}
