import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { readMigrations } from '../platform/sql.js'
import { MigrationError, migratePostgres } from './migrate.js'
import { availableEngines, createTestDatabase, type TestDatabase } from './test-database.js'

vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 })

const serverUrl = process.env.DATABASE_URL
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

describe.each(availableEngines(serverUrl))('CRM migrations on %s Postgres', (engine) => {
  let t: TestDatabase
  beforeAll(async () => {
    t = await createTestDatabase(engine, { serverUrl, migrate: false })
  })
  afterAll(() => t?.drop())

  describe('when they run twice', () => {
    it('applies each migration once and records it with its checksum', async () => {
      const files = readMigrations('postgres', sha256)
      expect(await migratePostgres(t.db)).toEqual(files.map((file) => file.version))
      expect(await migratePostgres(t.db)).toEqual([])
      const { rows } = await t.db.query(
        'SELECT version, checksum FROM schema_migrations ORDER BY version',
      )
      expect(rows).toEqual(files.map(({ version, checksum }) => ({ version, checksum })))
    })
  })

  describe('when an applied migration was edited', () => {
    it('refuses with a message naming the migration', async () => {
      const [first] = readMigrations('postgres', sha256)
      const edited = { ...first!, checksum: sha256('something else') }
      await expect(migratePostgres(t.db, [edited])).rejects.toThrow(MigrationError)
      await expect(migratePostgres(t.db, [edited])).rejects.toThrow(
        `migration ${first!.version} was changed after it was applied`,
      )
    })
  })

  describe('when a migration fails half-way', () => {
    it('leaves neither its first statements nor a record behind', async () => {
      const broken = {
        version: '9001_broken',
        checksum: 'x',
        statements: ['CREATE TABLE half_done (n int)', 'SELECT 1 / 0'],
      }
      await expect(migratePostgres(t.db, [broken])).rejects.toThrow(/division by zero/)
      const table = await t.db.query(`SELECT to_regclass('half_done') AS t`)
      expect(table.rows).toEqual([{ t: null }])
      const record = await t.db.query(
        `SELECT 1 FROM schema_migrations WHERE version = '9001_broken'`,
      )
      expect(record.rowCount).toBe(0)
    })
  })
})

describe.skipIf(!serverUrl)('when two processes migrate the same server database at once', () => {
  let t: TestDatabase
  beforeAll(async () => {
    t = await createTestDatabase('server', { serverUrl, migrate: false })
  })
  afterAll(() => t?.drop())

  it('applies each migration once, and both runners succeed', async () => {
    const other = await t.connect()
    const [a, b] = await Promise.all([migratePostgres(t.db), migratePostgres(other)])
    const versions = readMigrations('postgres', sha256).map((file) => file.version)
    expect([...a, ...b].sort()).toEqual(versions)
    const { rows } = await t.db.query<{ n: string }>('SELECT count(*) AS n FROM schema_migrations')
    expect(rows[0]!.n).toBe(String(versions.length))
  })
})
