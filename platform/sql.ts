import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

export const sqlRoot = path.resolve(import.meta.dirname, '..', 'sql')

const cache = new Map<string, string>()

/** Loads `sql/<name>.sql`, e.g. loadSql('clickhouse/queries/user-groups'). */
export function loadSql(name: string): string {
  let text = cache.get(name)
  if (text === undefined) {
    text = readFileSync(path.join(sqlRoot, `${name}.sql`), 'utf8')
    cache.set(name, text)
  }
  return text
}

export interface Migration {
  version: string
  statements: string[]
  checksum: string
}

/**
 * Migrations are `NNNN_name.sql` files in a folder, applied in name order. A file may
 * hold several statements, each ending with a semicolon at the end of a line.
 */
export function readMigrations(folder: string, hash: (text: string) => string): Migration[] {
  const dir = path.join(sqlRoot, folder)
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const text = readFileSync(path.join(dir, file), 'utf8')
      return {
        version: file.replace(/\.sql$/, ''),
        statements: splitStatements(text),
        checksum: hash(text),
      }
    })
}

export function splitStatements(text: string): string[] {
  const withoutComments = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
  return withoutComments
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0)
}
