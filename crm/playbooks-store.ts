import type { Queryable } from '../platform/postgres.js'
import { jsonParam } from '../platform/postgres.js'
import { withCrmErrors } from './errors.js'
import type { Playbook } from './playbook-schema.js'

export interface StoredPlaybook {
  id: string
  name: string
  status: 'draft' | 'active' | 'paused' | 'archived'
  activeVersion: number | null
  version: number
  definition: unknown
  createdBy: string
  createdAt: Date
}

interface Transactional {
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>
}

/**
 * Stores the built-in playbooks on first start, active. A built-in whose file changed
 * gets the file as a new version, active where the old built-in version was, unless
 * someone has added a version of their own since: then the playbook is theirs.
 */
export async function installBuiltinPlaybooks(
  db: Transactional,
  playbooks: readonly Playbook[],
): Promise<string[]> {
  const installed: string[] = []
  for (const playbook of playbooks) {
    const added = await db.transaction(async (tx) => {
      const inserted = await tx.query(
        `INSERT INTO playbooks (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`,
        [playbook.id, playbook.name],
      )
      if (inserted.rowCount === 0) return upgradeBuiltin(tx, playbook)
      await tx.query(
        `INSERT INTO playbook_versions (playbook_id, version, definition, created_by)
         VALUES ($1, 1, $2::text::jsonb, 'builtin')`,
        [playbook.id, jsonParam(playbook)],
      )
      await tx.query(
        `UPDATE playbooks SET status = 'active', active_version = 1, updated_at = now() WHERE id = $1`,
        [playbook.id],
      )
      return true
    })
    if (added) installed.push(playbook.id)
  }
  return installed
}

async function upgradeBuiltin(tx: Queryable, playbook: Playbook): Promise<boolean> {
  const { rows } = await tx.query<{
    version: number
    same: boolean
    active: boolean
    created_by: string
  }>(
    `SELECT v.version, v.definition = $2::text::jsonb AS same, v.created_by,
       (p.status = 'active' AND p.active_version = v.version) AS active
     FROM playbooks p JOIN playbook_versions v ON v.playbook_id = p.id
     WHERE p.id = $1 ORDER BY v.version DESC LIMIT 1 FOR UPDATE OF p`,
    [playbook.id, jsonParam(playbook)],
  )
  const latest = rows[0]
  if (!latest || latest.same || latest.created_by !== 'builtin') return false
  await tx.query(
    `INSERT INTO playbook_versions (playbook_id, version, definition, created_by)
     VALUES ($1, $2, $3::text::jsonb, 'builtin')`,
    [playbook.id, latest.version + 1, jsonParam(playbook)],
  )
  if (latest.active) {
    await tx.query('UPDATE playbooks SET active_version = $2, updated_at = now() WHERE id = $1', [
      playbook.id,
      latest.version + 1,
    ])
  }
  return true
}

const selectPlaybooks = `SELECT p.id, p.name, p.status, p.active_version AS "activeVersion",
  v.version, v.definition, v.created_by AS "createdBy", v.created_at AS "createdAt"
  FROM playbooks p JOIN playbook_versions v ON v.playbook_id = p.id`

/** The active version of every active playbook. */
export async function activePlaybooks(db: Queryable): Promise<StoredPlaybook[]> {
  const { rows } = await db.query<StoredPlaybook>(
    `${selectPlaybooks} AND v.version = p.active_version WHERE p.status = 'active' ORDER BY p.id`,
  )
  return rows
}

/** Every playbook with its newest version. */
export async function listPlaybooks(db: Queryable): Promise<StoredPlaybook[]> {
  const { rows } = await db.query<StoredPlaybook>(
    `${selectPlaybooks} AND v.version = (SELECT max(version) FROM playbook_versions WHERE playbook_id = p.id)
     ORDER BY p.id`,
  )
  return rows
}

/** One version; the active one, or the newest, when no version is given. */
export async function getPlaybook(
  db: Queryable,
  id: string,
  version?: number,
): Promise<StoredPlaybook | undefined> {
  const { rows } = await db.query<StoredPlaybook>(
    `${selectPlaybooks} AND v.version = coalesce($2, p.active_version,
       (SELECT max(version) FROM playbook_versions WHERE playbook_id = p.id))
     WHERE p.id = $1`,
    [id, version ?? null],
  )
  return rows[0]
}

/** Adds a version (a new playbook starts as a draft); returns its number. */
export async function addPlaybookVersion(
  db: Transactional,
  playbook: Playbook,
  createdBy: string,
): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.query(`INSERT INTO playbooks (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, [
      playbook.id,
      playbook.name,
    ])
    // Versions of one playbook take turns: the next number is read under the lock.
    await tx.query('SELECT 1 FROM playbooks WHERE id = $1 FOR UPDATE', [playbook.id])
    const next = await tx.query<{ version: number }>(
      'SELECT coalesce(max(version), 0) + 1 AS version FROM playbook_versions WHERE playbook_id = $1',
      [playbook.id],
    )
    const version = next.rows[0]!.version
    await withCrmErrors(() =>
      tx.query(
        `INSERT INTO playbook_versions (playbook_id, version, definition, created_by)
         VALUES ($1, $2, $3::text::jsonb, $4)`,
        [playbook.id, version, jsonParam(playbook), createdBy],
      ),
    )
    await tx.query('UPDATE playbooks SET name = $2, updated_at = now() WHERE id = $1', [
      playbook.id,
      playbook.name,
    ])
    return version
  })
}

/** Makes a version the one that runs; false when there is no such version. */
export async function activatePlaybook(
  db: Queryable,
  id: string,
  version: number,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE playbooks SET status = 'active', active_version = $2, updated_at = now()
     WHERE id = $1 AND EXISTS (SELECT 1 FROM playbook_versions WHERE playbook_id = $1 AND version = $2)`,
    [id, version],
  )
  return rowCount > 0
}

/** Stops a playbook from creating tasks; its tasks and versions stay. */
export async function retirePlaybook(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE playbooks SET status = 'archived', updated_at = now() WHERE id = $1`,
    [id],
  )
  return rowCount > 0
}
