import { createHash } from 'node:crypto'
import type { Queryable, Tx } from '../platform/postgres.js'
import { type Migration, readMigrations } from '../platform/sql.js'

export class MigrationError extends Error {
  override name = 'MigrationError'
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

// Any constant works, as long as nothing else in the database takes it: every runner
// of these migrations serialises on it.
const MIGRATION_LOCK_KEY = '7461706c73650001'

interface Transactional {
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>
}

/**
 * Applies sql/postgres/NNNN_*.sql in order; returns the versions it applied.
 *
 * Each migration runs in its own transaction that first takes a transaction-scoped
 * advisory lock, then re-reads the record: a second runner waits for the first, then
 * finds the migration recorded and skips it. A migration either lands whole with its
 * record or not at all. An applied migration whose file changed is refused.
 */
export async function migratePostgres(
  db: Transactional,
  migrations: Migration[] = readMigrations('postgres', sha256),
): Promise<string[]> {
  // Even CREATE TABLE IF NOT EXISTS fails when two sessions race on it, hence the lock.
  await db.transaction(async (tx) => {
    await lock(tx)
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version text PRIMARY KEY,
         checksum text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    )
  })
  const done: string[] = []
  for (const migration of migrations) {
    const applied = await db.transaction(async (tx) => {
      await lock(tx)
      const recorded = await tx.query<{ checksum: string }>(
        'SELECT checksum FROM schema_migrations WHERE version = $1',
        [migration.version],
      )
      const previous = recorded.rows[0]
      if (previous) {
        if (previous.checksum !== migration.checksum) {
          throw new MigrationError(
            `migration ${migration.version} was changed after it was applied; add a new migration instead`,
          )
        }
        return false
      }
      for (const statement of migration.statements) await tx.query(statement)
      await tx.query('INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)', [
        migration.version,
        migration.checksum,
      ])
      return true
    })
    if (applied) done.push(migration.version)
  }
  return done
}

async function lock(tx: Queryable): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(x'${MIGRATION_LOCK_KEY}'::bigint)`)
}
