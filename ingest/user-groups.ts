import { type ClickHouse, queryRows } from '../platform/clickhouse.js'
import { loadSql } from '../platform/sql.js'

export interface UserGroups {
  /** Tenants of the given users, from memory, else one ClickHouse query for the rest. */
  lookup(users: Iterable<string>): Promise<Map<string, string>>
  /** Records group calls that were committed. */
  remember(pairs: Iterable<readonly [user: string, tenant: string]>): void
}

/**
 * Where a user's tenant is found when an event names none: the user's last `group`
 * call. Recent answers stay in memory (bounded; the oldest entries go first), since
 * the same users send event after event.
 */
export function createUserGroups(ch: ClickHouse, maxEntries = 200_000): UserGroups {
  const cache = new Map<string, string>()
  const put = (user: string, tenant: string) => {
    cache.delete(user)
    cache.set(user, tenant)
    if (cache.size > maxEntries) cache.delete(cache.keys().next().value!)
  }
  return {
    async lookup(users) {
      const found = new Map<string, string>()
      const missing: string[] = []
      for (const user of new Set(users)) {
        const tenant = cache.get(user)
        if (tenant === undefined) missing.push(user)
        else found.set(user, tenant)
      }
      if (missing.length > 0) {
        const rows = await queryRows<{ user_id: string; tenant_id: string }>(
          ch,
          loadSql('clickhouse/queries/user-groups'),
          { users: missing },
        )
        for (const row of rows) {
          found.set(row.user_id, row.tenant_id)
          put(row.user_id, row.tenant_id)
        }
      }
      return found
    },
    remember(pairs) {
      for (const [user, tenant] of pairs) put(user, tenant)
    },
  }
}
