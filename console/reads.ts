import type { Queryable } from '../platform/postgres.js'

// Reads the console needs beside the API's own controllers: names for ids, and the
// rule versions behind a firing. Each page runs them only after its API role check.

export interface Person {
  id: string
  name: string
  role: string
}

/** Active CRM people of some roles, for owner and assignee choices. */
export async function activePeople(db: Queryable, roles: readonly string[]): Promise<Person[]> {
  const { rows } = await db.query<Person>(
    'SELECT id, name, role FROM users WHERE active AND role = ANY($1::text[]) ORDER BY name, id',
    [roles],
  )
  return rows
}

export interface RuleVersionInfo {
  name: string
  description: string | undefined
  definition: unknown
}

/** The rule versions that produced some firings, by `id@version`. */
export async function ruleVersions(
  db: Queryable,
  refs: ReadonlyArray<{ ruleId: string; ruleVersion: number | null }>,
): Promise<Map<string, RuleVersionInfo>> {
  const wanted = refs.filter((r) => r.ruleVersion !== null)
  if (wanted.length === 0) return new Map()
  const { rows } = await db.query<{
    rule_id: string
    version: number
    name: string
    definition: unknown
  }>(
    `SELECT v.rule_id, v.version, r.name, v.definition
     FROM rule_versions v JOIN rules r ON r.id = v.rule_id
     WHERE (v.rule_id, v.version) IN (SELECT * FROM unnest($1::text[], $2::int[]))`,
    [wanted.map((r) => r.ruleId), wanted.map((r) => r.ruleVersion)],
  )
  return new Map(
    rows.map((row) => {
      const description = (row.definition as { description?: unknown } | null)?.description
      return [
        `${row.rule_id}@${row.version}`,
        {
          name: row.name,
          description: typeof description === 'string' ? description : undefined,
          definition: row.definition,
        },
      ]
    }),
  )
}

export interface AccountSummary {
  tenantId: string
  name: string
  healthScore: number | null
  healthComponents: Record<string, unknown>
}

export async function accountSummaries(
  db: Queryable,
  tenantIds: readonly string[],
): Promise<Map<string, AccountSummary>> {
  if (tenantIds.length === 0) return new Map()
  const { rows } = await db.query<{
    tenant_id: string
    name: string
    health_score: number | null
    health_components: Record<string, unknown>
  }>(
    'SELECT tenant_id, name, health_score, health_components FROM accounts WHERE tenant_id = ANY($1::text[])',
    [[...new Set(tenantIds)]],
  )
  return new Map(
    rows.map((r) => [
      r.tenant_id,
      {
        tenantId: r.tenant_id,
        name: r.name,
        healthScore: r.health_score,
        healthComponents: r.health_components,
      },
    ]),
  )
}

/** An account's opportunities and orders, newest first. */
export async function dealsOf(db: Queryable, tenantId: string) {
  const opportunities = await db.query<{
    id: string
    kind: string
    stage: string
    status: string
    amount: string | null
    created_at: Date
    closed_at: Date | null
  }>(
    `SELECT id, kind, stage, status, amount, created_at, closed_at FROM opportunities
     WHERE tenant_id = $1 ORDER BY id DESC LIMIT 50`,
    [tenantId],
  )
  const orders = await db.query<{
    id: string
    order_id: string
    revenue: string
    modules: string[]
    ordered_at: Date
  }>(
    `SELECT id, order_id, revenue, modules, ordered_at FROM orders
     WHERE tenant_id = $1 ORDER BY ordered_at DESC, id DESC LIMIT 50`,
    [tenantId],
  )
  return { opportunities: opportunities.rows, orders: orders.rows }
}

/** Who an activity-log actor is, in words: a key's name for `user:key-<id>`. */
export async function actorNames(db: Queryable, actors: readonly string[]) {
  const ids = [
    ...new Set(actors.map((a) => /^user:key-(\d+)$/.exec(a)?.[1]).filter((id) => id !== undefined)),
  ]
  const { rows } = ids.length
    ? await db.query<{ id: string; name: string }>(
        'SELECT id, name FROM api_keys WHERE id = ANY($1::bigint[])',
        [ids],
      )
    : { rows: [] }
  const names = new Map(rows.map((r) => [r.id, r.name]))
  return (actor: string): string => {
    const key = /^user:key-(\d+)$/.exec(actor)?.[1]
    if (key) return `${names.get(key) ?? `key ${key}`} (console or API)`
    if (actor.startsWith('rule:')) return `the rule ${actor.slice(5)}`
    return actor
  }
}
