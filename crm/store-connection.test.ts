import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createPostgres, EmbeddedPostgresBusyError } from '../platform/postgres.js'
import { availableEngines, createTestDatabase, type TestDatabase } from './test-database.js'

vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 })

const serverUrl = process.env.DATABASE_URL

describe.each(availableEngines(serverUrl))('the data-access layer on %s Postgres', (engine) => {
  let t: TestDatabase
  beforeAll(async () => {
    t = await createTestDatabase(engine, { serverUrl, migrate: false })
  })
  afterAll(() => t?.drop())

  describe('when a query returns bigint, numeric, timestamptz and jsonb values', () => {
    it('gives ids and counts as strings, money as text, times as Dates, jsonb parsed', async () => {
      const { rows } = await t.db.query<Record<string, unknown>>(
        `SELECT 9007199254740993::int8 AS id, count(*) AS n, 12.50::numeric(14,2) AS mrr,
           '2024-01-01T00:00:00Z'::timestamptz AS at, $1::text::jsonb AS doc`,
        [JSON.stringify({ a: [1, 2] })],
      )
      expect(rows[0]).toEqual({
        id: '9007199254740993',
        n: '1',
        mrr: '12.50',
        at: new Date('2024-01-01T00:00:00Z'),
        doc: { a: [1, 2] },
      })
    })
  })

  describe('when a transaction callback throws', () => {
    it('rolls back everything it wrote and rethrows', async () => {
      await t.db.query('CREATE TABLE rollback_probe (n int)')
      await expect(
        t.db.transaction(async (tx) => {
          await tx.query('INSERT INTO rollback_probe VALUES (1)')
          throw new Error('boom')
        }),
      ).rejects.toThrow('boom')
      const { rows } = await t.db.query('SELECT * FROM rollback_probe')
      expect(rows).toEqual([])
    })
  })

  describe('when code inside a transaction queries the db instead of its tx', () => {
    it('refuses, rather than deadlocking PGlite or escaping the transaction', async () => {
      await expect(t.db.transaction(() => t.db.query('SELECT 1'))).rejects.toThrow(
        /use the tx it was given/,
      )
      const { rows } = await t.db.query<{ one: number }>('SELECT 1 AS one')
      expect(rows).toEqual([{ one: 1 }])
    })
  })

  describe('when queries run while a transaction is open', () => {
    it('keeps them out of the transaction', async () => {
      await t.db.query('CREATE TABLE interleave_probe (n int)')
      let release!: () => void
      const gate = new Promise<void>((resolve) => {
        release = resolve
      })
      const inTx = t.db.transaction(async (tx) => {
        await tx.query('INSERT INTO interleave_probe VALUES (1)')
        await gate
        throw new Error('roll back')
      })
      const outside = t.db.query('INSERT INTO interleave_probe VALUES (2)')
      release()
      await expect(inTx).rejects.toThrow('roll back')
      await outside
      const { rows } = await t.db.query('SELECT n FROM interleave_probe')
      expect(rows).toEqual([{ n: 2 }])
    })
  })
})

describe('when a second embedded Postgres opens a data directory in use', () => {
  let dataDir: string
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'tenantpulse-test-pglock-'))
  })
  afterAll(() => rm(dataDir, { recursive: true, force: true }))

  it('fails with a message that says what to do, and works once the first is closed', async () => {
    const first = await createPostgres({ dataDir })
    await expect(createPostgres({ dataDir })).rejects.toThrow(EmbeddedPostgresBusyError)
    await first.close()
    const second = await createPostgres({ dataDir })
    expect((await second.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    await second.close()
  })
})
