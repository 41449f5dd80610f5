import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { ApiKeyIdentity, KeyRole } from '../api/api-keys.js'
import type { Queryable } from '../platform/postgres.js'

/** A signed-in browser: the key's identity and the session's CSRF token. */
export interface ConsoleSession {
  identity: ApiKeyIdentity
  csrfToken: string
  expiresAt: Date
}

// A working day and then some: a rep signs in in the morning, not every hour.
export const sessionHours = 12

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const token = () => randomBytes(32).toString('base64url')

/**
 * Opens a session for a key that has already been checked. Returns the session id for
 * the cookie; the store keeps only its hash, so a leaked table opens no session. Expired
 * sessions are swept here, where sessions are made, rather than by another job.
 */
export async function openSession(
  db: Queryable,
  keyId: string,
  now = new Date(),
): Promise<{ sessionId: string; csrfToken: string }> {
  const sessionId = token()
  const csrfToken = token()
  await db.query('DELETE FROM console_sessions WHERE expires_at <= $1', [now])
  await db.query(
    `INSERT INTO console_sessions (id_hash, key_id, csrf_token, expires_at)
     VALUES ($1, $2, $3, $4)`,
    [sha256(sessionId), keyId, csrfToken, new Date(now.getTime() + sessionHours * 3_600_000)],
  )
  return { sessionId, csrfToken }
}

/** The live session of a cookie value: unexpired, and its key not revoked since. */
export async function findSession(
  db: Queryable,
  sessionId: string,
  now = new Date(),
): Promise<ConsoleSession | undefined> {
  const { rows } = await db.query<{
    key_id: string
    name: string
    role: KeyRole
    user_id: string | null
    csrf_token: string
    expires_at: Date
  }>(
    `SELECT s.key_id, k.name, k.role, k.user_id::text AS user_id, s.csrf_token, s.expires_at
     FROM console_sessions s JOIN api_keys k ON k.id = s.key_id
     WHERE s.id_hash = $1 AND s.expires_at > $2 AND k.revoked_at IS NULL`,
    [sha256(sessionId), now],
  )
  const row = rows[0]
  if (!row) return undefined
  return {
    identity: { id: row.key_id, name: row.name, role: row.role, userId: row.user_id },
    csrfToken: row.csrf_token,
    expiresAt: row.expires_at,
  }
}

export async function closeSession(db: Queryable, sessionId: string): Promise<void> {
  await db.query('DELETE FROM console_sessions WHERE id_hash = $1', [sha256(sessionId)])
}

/** Compares a presented CSRF token with the session's in constant time. */
export function sameToken(expected: string, presented: unknown): boolean {
  if (typeof presented !== 'string') return false
  // Hashing first gives equal lengths, so the comparison itself leaks nothing.
  return timingSafeEqual(
    createHash('sha256').update(expected).digest(),
    createHash('sha256').update(presented).digest(),
  )
}

export const newSignInToken = token
