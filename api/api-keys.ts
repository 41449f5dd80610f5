import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Queryable } from '../platform/postgres.js'

export const keyRoles = ['admin', 'sales', 'csm', 'data', 'write'] as const
export type KeyRole = (typeof keyRoles)[number]

/** The roles of the people's API; `write` keys only send events. */
export const apiRoles = ['admin', 'sales', 'csm', 'data'] as const
export type ApiRole = (typeof apiRoles)[number]

export interface ApiKeyIdentity {
  id: string
  name: string
  role: KeyRole
  /** The CRM user the key speaks for, if any: "my tasks", a rep's own leads. */
  userId: string | null
}

/** SHA-256 hex of the key: what api_keys holds instead of the key itself. */
export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex')

/** A new key: a recognisable prefix, then 256 random bits. */
export const generateApiKey = (): string => `tpk_${randomBytes(32).toString('base64url')}`

/**
 * Registers a key chosen by the operator (ADMIN_API_KEY) once: a second call with the
 * same key finds its row and changes nothing, not even a revocation, which wins.
 */
export async function seedApiKey(
  db: Queryable,
  input: { key: string; role: KeyRole; name: string; userId?: string | undefined },
): Promise<{ id: string; created: boolean }> {
  const keyHash = hashApiKey(input.key)
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO api_keys (name, role, key_hash, user_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (key_hash) DO NOTHING RETURNING id`,
    [input.name, input.role, keyHash, input.userId ?? null],
  )
  if (inserted.rows[0]) return { id: inserted.rows[0].id, created: true }
  const existing = await db.query<{ id: string }>('SELECT id FROM api_keys WHERE key_hash = $1', [
    keyHash,
  ])
  return { id: existing.rows[0]!.id, created: false }
}

/**
 * Start-up: registers ADMIN_API_KEY when it is set; otherwise, on a store with no usable
 * admin key, makes one and returns it, for the caller to print once. Returns no key
 * when there is nothing to show.
 */
export async function ensureAdminKey(
  db: Queryable,
  configured: string | undefined,
): Promise<{ createdKey?: string }> {
  if (configured) {
    await seedApiKey(db, { key: configured, role: 'admin', name: 'ADMIN_API_KEY' })
    return {}
  }
  const { rowCount } = await db.query(
    "SELECT 1 FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL LIMIT 1",
  )
  if (rowCount > 0) return {}
  const made = await createApiKey(db, { role: 'admin', name: 'first start' })
  return { createdKey: made.key }
}

/** Makes a key; the caller shows it once, as only its hash is kept. */
export async function createApiKey(
  db: Queryable,
  input: { role: KeyRole; name: string; userId?: string | undefined },
): Promise<{
  id: string
  key: string
  role: KeyRole
  name: string
  userId: string | null
  createdAt: Date
}> {
  const key = generateApiKey()
  const { rows } = await db.query<{ id: string; created_at: Date }>(
    `INSERT INTO api_keys (name, role, key_hash, user_id) VALUES ($1, $2, $3, $4)
     RETURNING id, created_at`,
    [input.name, input.role, hashApiKey(key), input.userId ?? null],
  )
  return {
    id: rows[0]!.id,
    key,
    role: input.role,
    name: input.name,
    userId: input.userId ?? null,
    createdAt: rows[0]!.created_at,
  }
}

/**
 * The unrevoked key with this plaintext, or undefined. The lookup goes by hash (an
 * index probe on a value an attacker cannot steer byte by byte), and the stored hash
 * is then compared with the presented one in constant time, so a match is never
 * decided by an early-exit string comparison.
 */
export async function findApiKey(db: Queryable, key: string): Promise<ApiKeyIdentity | undefined> {
  const presented = hashApiKey(key)
  const { rows } = await db.query<{
    id: string
    name: string
    role: KeyRole
    key_hash: string
    user_id: string | null
  }>(
    'SELECT id, name, role, key_hash, user_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL',
    [presented],
  )
  const row = rows[0]
  if (!row) return undefined
  const stored = Buffer.from(row.key_hash, 'hex')
  const given = Buffer.from(presented, 'hex')
  if (stored.length !== given.length || !timingSafeEqual(stored, given)) return undefined
  return { id: row.id, name: row.name, role: row.role, userId: row.user_id }
}

/** Records use at most once a minute per key: a write per request would cost more than the read. */
export function createUsageRecorder(db: Queryable, everyMs = 60_000) {
  const touched = new Map<string, number>()
  return async (keyId: string, now = Date.now()): Promise<void> => {
    if (now - (touched.get(keyId) ?? 0) < everyMs) return
    touched.set(keyId, now)
    await db.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [keyId])
  }
}
