import type { Queryable } from '../platform/postgres.js'

/**
 * The id this CRM store was given at its first migration (0002). Every process of one
 * deployment reads the same id from the same store; another deployment, with a store
 * of its own, has another.
 */
export async function readDeploymentId(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM deployment')
  const id = rows[0]?.id
  if (!id) throw new Error('the CRM store has no deployment id: run the migrations first')
  return id
}
