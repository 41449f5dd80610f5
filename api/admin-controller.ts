import type { z } from 'zod'
import { withCrmErrors } from '../crm/errors.js'
import type { Db } from '../platform/postgres.js'
import type { CreateUserBody, createKeyBody, ListUsersQuery } from './admin-schemas.js'
import { type ApiRole, createApiKey } from './api-keys.js'
import { decodeCursor, idCursor, toPage } from './cursor.js'
import { iso } from './schemas.js'

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
    const params: unknown[] = []
    const where: string[] = []
    const bind = (value: unknown) => {
      params.push(value)
      return `$${params.length}`
    }
    if (query.role) where.push(`role = ${bind(query.role)}`)
    if (query.active !== undefined) where.push(`active = ${bind(query.active)}`)
    if (query.cursor) where.push(`id > ${bind(decodeCursor(query.cursor, idCursor).i)}::bigint`)
    const { rows } = await db.query<UserRow>(
      `SELECT id, name, email, role, active, created_at FROM users
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY id LIMIT ${bind(query.limit + 1)}`,
      params,
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

  async createKey(db: Db, body: z.infer<typeof createKeyBody>) {
    const made = await createApiKey(db, body)
    return { ...made, role: body.role, createdAt: iso(made.createdAt) }
  },
}
