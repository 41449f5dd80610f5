import type { Queryable } from '../platform/postgres.js'
import { jsonParam } from '../platform/postgres.js'
import { withCrmErrors } from './errors.js'

export interface StoredRule {
  id: string
  kind: 'abm' | 'churn'
  name: string
  status: 'draft' | 'active' | 'paused' | 'archived'
  version: number
  definition: unknown
}

export interface RuleDocument {
  id: string
  kind: 'abm' | 'churn'
  name: string
}

/**
 * Stores the built-in rules on first start: a rule already there is left as it is,
 * since the data team may have changed or retired it since.
 */
export async function installBuiltinRules(
  db: { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> },
  rules: readonly RuleDocument[],
): Promise<string[]> {
  const installed: string[] = []
  for (const rule of rules) {
    const added = await db.transaction(async (tx) => {
      const inserted = await tx.query(
        `INSERT INTO rules (id, kind, name, status, active_version) VALUES ($1, $2, $3, 'draft', NULL)
         ON CONFLICT (id) DO NOTHING`,
        [rule.id, rule.kind, rule.name],
      )
      if (inserted.rowCount === 0) return upgradeBuiltin(tx, rule)
      await tx.query(
        `INSERT INTO rule_versions (rule_id, version, definition, created_by) VALUES ($1, 1, $2::text::jsonb, 'builtin')`,
        [rule.id, jsonParam(rule)],
      )
      await tx.query(
        `UPDATE rules SET status = 'active', active_version = 1, updated_at = now() WHERE id = $1`,
        [rule.id],
      )
      return true
    })
    if (added) installed.push(rule.id)
  }
  return installed
}

/**
 * A built-in rule whose file changed since it was installed gets the file as a new
 * version, active where the old built-in version was the active one. A rule the data
 * team has edited since (its latest version is theirs) is theirs: left alone.
 */
async function upgradeBuiltin(tx: Queryable, rule: RuleDocument): Promise<boolean> {
  const { rows } = await tx.query<{
    version: number
    same: boolean
    active: boolean
    created_by: string
  }>(
    `SELECT v.version, v.definition = $2::text::jsonb AS same, v.created_by,
       (r.status = 'active' AND r.active_version = v.version) AS active
     FROM rules r JOIN rule_versions v ON v.rule_id = r.id
     WHERE r.id = $1 AND r.kind = $3 ORDER BY v.version DESC LIMIT 1 FOR UPDATE OF r`,
    [rule.id, jsonParam(rule), rule.kind],
  )
  const latest = rows[0]
  if (!latest || latest.same || latest.created_by !== 'builtin') return false
  await tx.query(
    `INSERT INTO rule_versions (rule_id, version, definition, created_by)
     VALUES ($1, $2, $3::text::jsonb, 'builtin')`,
    [rule.id, latest.version + 1, jsonParam(rule)],
  )
  if (latest.active) {
    await tx.query('UPDATE rules SET active_version = $2, updated_at = now() WHERE id = $1', [
      rule.id,
      latest.version + 1,
    ])
  }
  return true
}

const selectRules = `SELECT r.id, r.kind, r.name, r.status, v.version, v.definition
  FROM rules r JOIN rule_versions v ON v.rule_id = r.id`

/** The active version of every active rule (of one kind). */
export async function activeRules(db: Queryable, kind?: 'abm' | 'churn'): Promise<StoredRule[]> {
  const result = await db.query<StoredRule>(
    `${selectRules} AND v.version = r.active_version
     WHERE r.status = 'active' AND ($1::text IS NULL OR r.kind = $1) ORDER BY r.id`,
    [kind ?? null],
  )
  return result.rows
}

/** Every rule with its newest version. */
export async function listRules(db: Queryable): Promise<StoredRule[]> {
  const result = await db.query<StoredRule>(
    `${selectRules} AND v.version = (SELECT max(version) FROM rule_versions WHERE rule_id = r.id) ORDER BY r.id`,
  )
  return result.rows
}

/** One version of a rule; the active one, or the newest, when no version is given. */
export async function getRule(
  db: Queryable,
  id: string,
  version?: number,
): Promise<StoredRule | undefined> {
  const result = await db.query<StoredRule>(
    `${selectRules} AND v.version = coalesce($2, r.active_version, (SELECT max(version) FROM rule_versions WHERE rule_id = r.id))
     WHERE r.id = $1`,
    [id, version ?? null],
  )
  return result.rows[0]
}

/** Adds a version (a new rule starts as a draft); returns its number. */
export async function addRuleVersion(
  db: { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> },
  rule: RuleDocument,
  createdBy: string,
): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO rules (id, kind, name) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
      [rule.id, rule.kind, rule.name],
    )
    const current = await tx.query<{ kind: string }>(
      'SELECT kind FROM rules WHERE id = $1 FOR UPDATE',
      [rule.id],
    )
    if (current.rows[0]?.kind !== rule.kind)
      throw new RuleKindChangeError(
        `rule ${rule.id} is a ${current.rows[0]?.kind} rule; its kind cannot change`,
      )
    const next = await tx.query<{ version: number }>(
      'SELECT coalesce(max(version), 0) + 1 AS version FROM rule_versions WHERE rule_id = $1',
      [rule.id],
    )
    const version = next.rows[0]!.version
    await withCrmErrors(() =>
      tx.query(
        `INSERT INTO rule_versions (rule_id, version, definition, created_by) VALUES ($1, $2, $3::text::jsonb, $4)`,
        [rule.id, version, jsonParam(rule), createdBy],
      ),
    )
    await tx.query('UPDATE rules SET name = $2, updated_at = now() WHERE id = $1', [
      rule.id,
      rule.name,
    ])
    return version
  })
}

/** Makes a version the one that runs; false when there is no such version. */
export async function activateRule(db: Queryable, id: string, version: number): Promise<boolean> {
  const result = await db.query(
    `UPDATE rules SET status = 'active', active_version = $2, updated_at = now()
     WHERE id = $1 AND EXISTS (SELECT 1 FROM rule_versions WHERE rule_id = $1 AND version = $2)`,
    [id, version],
  )
  return result.rowCount > 0
}

/** Stops a rule from running; its versions and firings stay. */
export async function retireRule(db: Queryable, id: string): Promise<boolean> {
  const result = await db.query(
    `UPDATE rules SET status = 'archived', updated_at = now() WHERE id = $1`,
    [id],
  )
  return result.rowCount > 0
}

export class RuleKindChangeError extends Error {
  override name = 'RuleKindChangeError'
}
