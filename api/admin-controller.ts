import type { z } from 'zod'
import { withCrmErrors } from '../crm/errors.js'
import { AppError } from '../platform/errors.js'
import { Conditions, type Db } from '../platform/postgres.js'
import type {
  CreateUserBody,
  createKeyBody,
  ListKeysQuery,
  ListUsersQuery,
} from './admin-schemas.js'
import { type ApiRole, createApiKey, type KeyRole } from './api-keys.js'
import { decodeCursor, idCursor, toPage } from './cursor.js'
import { isActiveUser } from './leads-store.js'
import { iso, isoOrNull } from './schemas.js'

interface KeyRow {
  id: string
  name: string
  role: KeyRole
  user_id: string | null
  created_at: Date
  revoked_at: Date | null
}

// Never the hash: a list of keys is for knowing which to revoke.
const toKey = (row: KeyRow) => ({
  id: row.id,
  name: row.name,
  role: row.role,
  userId: row.user_id,
  createdAt: iso(row.created_at),
  revokedAt: isoOrNull(row.revoked_at),
})

interface UserRow {
  id: string
  name: string
  email: string
  role: ApiRole
  active: boolean
  created_at: Date
}

const toUser = (row: UserRow) => ({
  id: row.id,
  name: row.name,
  email: row.email,
  role: row.role,
  active: row.active,
  createdAt: iso(row.created_at),
})

export const adminController = {
  async listUsers(db: Db, query: ListUsersQuery) {
    const q = new Conditions()
    if (query.role) q.and(`role = ${q.bind(query.role)}`)
    if (query.active !== undefined) q.and(`active = ${q.bind(query.active)}`)
    if (query.cursor) q.and(`id > ${q.bind(decodeCursor(query.cursor, idCursor).i)}::bigint`)
    const { rows } = await db.query<UserRow>(
      `SELECT id, name, email, role, active, created_at FROM users ${q.sql}
       ORDER BY id LIMIT ${q.bind(query.limit + 1)}`,
      q.params,
    )
    return toPage(rows, query.limit, toUser, (row) => ({ i: row.id }))
  },

  /** A taken email is USER_EMAIL_TAKEN (409), by the database's unique index. */
  async createUser(db: Db, body: CreateUserBody) {
    const { rows } = await withCrmErrors(() =>
      db.query<UserRow>(
        `INSERT INTO users (name, email, role) VALUES ($1, $2, $3)
         RETURNING id, name, email, role, active, created_at`,
        [body.name, body.email.toLowerCase(), body.role],
      ),
    )
    return toUser(rows[0]!)
  },

  async listKeys(db: Db, query: ListKeysQuery) {
    const q = new Conditions()
    if (query.role) q.and(`role = ${q.bind(query.role)}`)
    if (query.revoked !== undefined)
      q.and(query.revoked ? 'revoked_at IS NOT NULL' : 'revoked_at IS NULL')
    if (query.cursor) q.and(`id > ${q.bind(decodeCursor(query.cursor, idCursor).i)}::bigint`)
    const { rows } = await db.query<KeyRow>(
      `SELECT id, name, role, user_id, created_at, revoked_at FROM api_keys ${q.sql}
       ORDER BY id LIMIT ${q.bind(query.limit + 1)}`,
      q.params,
    )
    return toPage(rows, query.limit, toKey, (row) => ({ i: row.id }))
  },

  /**
   * Revokes a key: it opens nothing from the next request on (write keys: within the
   * ingest cache's 30 s). Revoking a revoked key changes nothing. The last live admin
   * key is refused, in the same statement, so that two admins revoking each other's
   * keys at once cannot both succeed and lock everyone out.
   */
  async revokeKey(db: Db, id: string) {
    const { rows } = await db.query<KeyRow & { refused: boolean }>(
      `WITH target AS (SELECT * FROM api_keys WHERE id = $1::bigint FOR UPDATE),
            admins AS (
              SELECT id FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL FOR UPDATE
            ),
            refused AS (
              SELECT t.role = 'admin' AND t.revoked_at IS NULL
                     AND (SELECT count(*) FROM admins) <= 1 AS refused
              FROM target t
            ),
            revoked AS (
              UPDATE api_keys k SET revoked_at = now()
              FROM target t, refused r
              WHERE k.id = t.id AND k.revoked_at IS NULL AND NOT r.refused
              RETURNING k.id, k.revoked_at
            )
       SELECT t.id, t.name, t.role, t.user_id, t.created_at,
              coalesce(v.revoked_at, t.revoked_at) AS revoked_at, r.refused
       FROM target t CROSS JOIN refused r LEFT JOIN revoked v ON v.id = t.id`,
      [id],
    )
    const row = rows[0]
    if (!row) throw new AppError('NOT_FOUND', `no API key ${id}`)
    if (row.refused)
      throw new AppError('KEY_LAST_ADMIN', `key ${id} is the last admin key; make another first`)
    return toKey(row)
  },

  async createKey(db: Db, body: z.infer<typeof createKeyBody>) {
    if (body.userId !== undefined && !(await isActiveUser(db, body.userId)))
      throw new AppError('USER_UNKNOWN', `no active user ${body.userId}`)
    const made = await createApiKey(db, body)
    return { ...made, role: body.role, createdAt: iso(made.createdAt) }
  },
}
