import { mirrorLifecycle } from '../crm/mirror-lifecycle.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { type SyncOptions, type SyncSummary, syncLifecycleEvents } from './sync-lifecycle-events.js'

/**
 * crm-sync as a whole: the lifecycle events committed to ClickHouse are applied to the
 * CRM store, then the lifecycle moves the store committed (these, and those people and
 * rules made) are mirrored back to ClickHouse, where rules read each account's stage.
 * The crm-sync job runs it on its schedule, and every evaluation runs it first.
 */
export async function syncCrm(
  deps: { ch: ClickHouse; db: Db },
  options: SyncOptions,
  signal?: AbortSignal,
): Promise<SyncSummary & { mirrored: number }> {
  const synced = await syncLifecycleEvents(deps, options, signal)
  const mirrored = await mirrorLifecycle(deps, {
    overlapMs: options.overlapMs,
    pageSize: options.pageSize,
  })
  return { ...synced, mirrored: mirrored.copied }
}
