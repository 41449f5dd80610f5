import type { Queryable } from '../platform/postgres.js'

/** Test fixtures: CRM users and row counts per tenant. */
export async function addUser(
  db: Queryable,
  name: string,
  role: 'admin' | 'sales' | 'csm' | 'data' = 'csm',
  active = true,
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    'INSERT INTO users (name, email, role, active) VALUES ($1, $2, $3, $4) RETURNING id',
    [name, `${name}@example.test`, role, active],
  )
  return rows[0]!.id
}

const tenantTables = [
  'accounts',
  'leads',
  'opportunities',
  'orders',
  'activity_log',
  'applied_events',
  'poison_events',
] as const

/** How many rows each CRM table holds for one tenant. */
export async function tenantCounts(
  db: Queryable,
  tenantId: string,
): Promise<Record<string, number>> {
  const result: Record<string, number> = {}
  for (const table of tenantTables) {
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${table} WHERE tenant_id = $1`,
      [tenantId],
    )
    result[table] = Number(rows[0]!.n)
  }
  return result
}
