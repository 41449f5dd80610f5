import type { Queryable } from '../platform/postgres.js'

export interface RuleHeader {
  id: string
  kind: 'abm' | 'churn'
  name: string
  status: string
  activeVersion: number | null
  updatedAt: string
}

/** Each rule's status and the version that runs, by id. */
export async function ruleHeaders(db: Queryable, id?: string): Promise<Map<string, RuleHeader>> {
  const { rows } = await db.query<{
    id: string
    kind: 'abm' | 'churn'
    name: string
    status: string
    active_version: number | null
    updated_at: Date
  }>(
    'SELECT id, kind, name, status, active_version, updated_at FROM rules WHERE $1::text IS NULL OR id = $1',
    [id ?? null],
  )
  return new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        kind: r.kind,
        name: r.name,
        status: r.status,
        activeVersion: r.status === 'active' ? r.active_version : null,
        updatedAt: r.updated_at.toISOString(),
      },
    ]),
  )
}

/** A rule's versions, newest first, with who made each. */
export async function versionsOf(db: Queryable, id: string) {
  const { rows } = await db.query<{
    version: number
    created_by: string
    created_at: Date
    definition: unknown
  }>(
    'SELECT version, created_by, created_at, definition FROM rule_versions WHERE rule_id = $1 ORDER BY version DESC',
    [id],
  )
  return rows
}
