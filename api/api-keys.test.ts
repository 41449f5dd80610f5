import { beforeAll, describe, expect, it } from 'vitest'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'
import { createApiKey, ensureAdminKey, findApiKey, hashApiKey, seedApiKey } from './api-keys.js'
import { bearerAuth, buildPeopleTestApp } from './test-support.js'

let ch: ClickHouse
let db: Db
beforeAll(async () => {
  ch = await useTestClickHouse()
  db = await useTestPostgres()
})

const tableText = async () => JSON.stringify((await db.query('SELECT * FROM api_keys')).rows)

// First in the file: it needs a store without an admin key.
describe('when the service starts', () => {
  it('makes one admin key on a fresh store to print once, then none', async () => {
    const first = await ensureAdminKey(db, undefined)
    expect(first.createdKey).toMatch(/^tpk_/)
    expect((await findApiKey(db, first.createdKey!))?.role).toBe('admin')
    expect(await ensureAdminKey(db, undefined)).toEqual({})
  })

  it('registers ADMIN_API_KEY when set, and prints nothing', async () => {
    const key = 'configured-admin-key-0123456789'
    expect(await ensureAdminKey(db, key)).toEqual({})
    expect(await ensureAdminKey(db, key)).toEqual({})
    expect((await findApiKey(db, key))?.role).toBe('admin')
    const { rows } = await db.query<{ n: string }>(
      'SELECT count(*) AS n FROM api_keys WHERE key_hash = $1',
      [hashApiKey(key)],
    )
    expect(Number(rows[0]!.n)).toBe(1)
  })
})

describe('when keys are made', () => {
  it('keeps only the SHA-256 hash: the plaintext is nowhere in the table', async () => {
    const { id, key } = await createApiKey(db, { role: 'csm', name: 'Casey' })
    expect(key).toMatch(/^tpk_[A-Za-z0-9_-]{43}$/)
    const { rows } = await db.query<{ key_hash: string }>(
      'SELECT key_hash FROM api_keys WHERE id = $1',
      [id],
    )
    expect(rows[0]!.key_hash).toBe(hashApiKey(key))
    expect(await tableText()).not.toContain(key)
    expect(await findApiKey(db, key)).toEqual({ id, name: 'Casey', role: 'csm', userId: null })
  })

  it('seeds the operator key once, however often the process starts', async () => {
    const key = 'admin-seed-key-0123456789'
    const first = await seedApiKey(db, { key, role: 'admin', name: 'ADMIN_API_KEY' })
    const second = await seedApiKey(db, { key, role: 'admin', name: 'ADMIN_API_KEY' })
    expect(first.created).toBe(true)
    expect(second).toEqual({ id: first.id, created: false })
    expect(await tableText()).not.toContain(key)
  })

  it('stops honouring a revoked key', async () => {
    const { app } = await buildPeopleTestApp({ ch, db })
    const { id, key } = await createApiKey(db, { role: 'admin', name: 'leaver' })
    expect((await app.inject({ url: '/api/users', headers: bearerAuth(key) })).statusCode).toBe(200)
    await db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [id])
    const response = await app.inject({ url: '/api/users', headers: bearerAuth(key) })
    expect(response.statusCode).toBe(401)
    expect(response.json().error.code).toBe('AUTH_INVALID_API_KEY')
  })
})

describe('when an admin makes a key through POST /api/keys', () => {
  it('answers the key once, and the key then works for its role only', async () => {
    const { app, keys } = await buildPeopleTestApp({ ch, db })
    const response = await app.inject({
      method: 'POST',
      url: '/api/keys',
      headers: bearerAuth(keys.admin),
      payload: { role: 'sales', name: 'Sam' },
    })
    expect(response.statusCode).toBe(201)
    const made = response.json()
    expect(made).toMatchObject({ role: 'sales', name: 'Sam', key: expect.stringMatching(/^tpk_/) })
    expect(await tableText()).not.toContain(made.key)
    expect(
      (await app.inject({ url: '/api/leads', headers: bearerAuth(made.key) })).statusCode,
    ).toBe(200)
    expect(
      (await app.inject({ url: '/api/alerts', headers: bearerAuth(made.key) })).statusCode,
    ).toBe(403)
    const { rows } = await db.query<{ last_used_at: Date | null }>(
      'SELECT last_used_at FROM api_keys WHERE id = $1',
      [made.id],
    )
    expect(rows[0]!.last_used_at).toBeInstanceOf(Date)
  })

  it("makes an ingest write key, which the people's API then refuses", async () => {
    const { app, keys } = await buildPeopleTestApp({ ch, db })
    const response = await app.inject({
      method: 'POST',
      url: '/api/keys',
      headers: bearerAuth(keys.admin),
      payload: { role: 'write', name: 'sdk' },
    })
    expect(response.statusCode).toBe(201)
    const made = response.json()
    expect(made.role).toBe('write')
    const denied = await app.inject({ url: '/api/leads', headers: bearerAuth(made.key) })
    expect(denied.statusCode).toBe(403)
  })
})

describe('when an admin lists and revokes keys', () => {
  it('lists keys without their secrets, and a revoked key opens nothing', async () => {
    const { app, keys } = await buildPeopleTestApp({ ch, db })
    const admin = bearerAuth(keys.admin)
    const made = (
      await app.inject({
        method: 'POST',
        url: '/api/keys',
        headers: admin,
        payload: { role: 'sales', name: 'leaving rep' },
      })
    ).json()
    const list = await app.inject({ url: '/api/keys?role=sales&limit=200', headers: admin })
    expect(list.statusCode).toBe(200)
    expect(list.json().items).toContainEqual({
      id: made.id,
      name: 'leaving rep',
      role: 'sales',
      userId: null,
      createdAt: made.createdAt,
      revokedAt: null,
    })
    expect(list.body).not.toContain(made.key)
    expect(list.body).not.toContain(hashApiKey(made.key))

    const revoked = await app.inject({
      method: 'DELETE',
      url: `/api/keys/${made.id}`,
      headers: admin,
    })
    expect(revoked.statusCode).toBe(200)
    expect(revoked.json().revokedAt).toEqual(expect.any(String))
    const refused = await app.inject({ url: '/api/leads', headers: bearerAuth(made.key) })
    expect(refused.statusCode).toBe(401)
    expect(refused.json().error.code).toBe('AUTH_INVALID_API_KEY')

    // Again: nothing changes, the first revocation time stays.
    const again = await app.inject({
      method: 'DELETE',
      url: `/api/keys/${made.id}`,
      headers: admin,
    })
    expect(again.json().revokedAt).toBe(revoked.json().revokedAt)
    const onlyRevoked = await app.inject({
      url: '/api/keys?revoked=true&limit=200',
      headers: admin,
    })
    expect(onlyRevoked.json().items.map((k: { id: string }) => k.id)).toContain(made.id)
    const missing = await app.inject({ method: 'DELETE', url: '/api/keys/999999', headers: admin })
    expect(missing.statusCode).toBe(404)
  })

  it('refuses to revoke the last admin key, then allows it once there is another', async () => {
    const ownDb = await useTestPostgres()
    const { app, keys } = await buildPeopleTestApp({ ch, db: ownDb })
    const admin = bearerAuth(keys.admin)
    const [self] = (await app.inject({ url: '/api/keys?role=admin', headers: admin })).json().items
    const last = await app.inject({ method: 'DELETE', url: `/api/keys/${self.id}`, headers: admin })
    expect(last.statusCode).toBe(409)
    expect(last.json().error.code).toBe('KEY_LAST_ADMIN')
    expect((await app.inject({ url: '/api/keys', headers: admin })).statusCode).toBe(200)

    const other = (
      await app.inject({
        method: 'POST',
        url: '/api/keys',
        headers: admin,
        payload: { role: 'admin', name: 'successor' },
      })
    ).json()
    const handedOver = await app.inject({
      method: 'DELETE',
      url: `/api/keys/${self.id}`,
      headers: admin,
    })
    expect(handedOver.statusCode).toBe(200)
    expect((await app.inject({ url: '/api/keys', headers: admin })).statusCode).toBe(401)
    expect(
      (await app.inject({ url: '/api/keys', headers: bearerAuth(other.key) })).statusCode,
    ).toBe(200)
  })
})

describe('when the last two admins revoke each other at once', () => {
  it('lets one revocation through and refuses the other: someone keeps a key', async () => {
    const ownDb = await useTestPostgres()
    const { app, keys } = await buildPeopleTestApp({ ch, db: ownDb })
    const other = (
      await app.inject({
        method: 'POST',
        url: '/api/keys',
        headers: bearerAuth(keys.admin),
        payload: { role: 'admin', name: 'second admin' },
      })
    ).json()
    const admins = (
      await app.inject({
        url: '/api/keys?role=admin&revoked=false',
        headers: bearerAuth(other.key),
      })
    ).json().items as Array<{ id: string }>
    const first = admins.find((k) => k.id !== other.id)!
    const [a, b] = await Promise.all([
      app.inject({
        method: 'DELETE',
        url: `/api/keys/${other.id}`,
        headers: bearerAuth(keys.admin),
      }),
      app.inject({
        method: 'DELETE',
        url: `/api/keys/${first.id}`,
        headers: bearerAuth(other.key),
      }),
    ])
    // The loser is refused as the last admin (409), or, when the winner committed before
    // its request was authenticated, its own key no longer opens anything (401).
    const [won, lost] = [a.statusCode, b.statusCode].sort()
    expect(won).toBe(200)
    expect([401, 409]).toContain(lost)
    const { rows } = await ownDb.query(
      "SELECT 1 FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL",
    )
    expect(rows).toHaveLength(1)
  })
})

describe('when an admin manages the CRM users', () => {
  it('adds a user, lists it, and refuses the same email twice with 409', async () => {
    const { app, keys } = await buildPeopleTestApp({ ch, db })
    const add = () =>
      app.inject({
        method: 'POST',
        url: '/api/users',
        headers: bearerAuth(keys.admin),
        payload: { name: 'Cleo', email: 'Cleo@Example.test', role: 'csm' },
      })
    const created = await add()
    expect(created.statusCode).toBe(201)
    expect(created.json()).toMatchObject({ email: 'cleo@example.test', role: 'csm', active: true })
    const again = await add()
    expect(again.statusCode).toBe(409)
    expect(again.json().error).toEqual({ code: 'USER_EMAIL_TAKEN', message: expect.any(String) })
    const list = await app.inject({
      url: '/api/users?role=csm&active=true',
      headers: bearerAuth(keys.admin),
    })
    expect(list.json().items).toEqual([created.json()])
  })
})
