import path from 'node:path'
import { commitBatches, pendingBatch } from '../ingest/commit-batch.js'
import { foldPending, foldStart } from '../ingest/fold-rollups.js'
import { loadModuleCatalogue, type ModuleCatalogue } from '../ingest/module-catalogue.js'
import { createBatchProcessor } from '../ingest/process-batch.js'
import { createUserGroups } from '../ingest/user-groups.js'
import { syncCrm } from '../jobs/sync-crm.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import type { RuleModule } from './rule-schema.js'

// For the rules' tests: events go in through the real ingest steps (validation, tenant
// and module resolution, clock handling, the committed insert), as the HTTP API sends
// them, without an HTTP server.

let catalogue: ModuleCatalogue | undefined

/** The product's modules.json, read on first use. */
export function testCatalogue(): ModuleCatalogue {
  catalogue ??= loadModuleCatalogue(path.join(import.meta.dirname, '..', 'modules.json'))
  return catalogue
}

export const testModules = (): readonly RuleModule[] => testCatalogue().modules

const BATCH = 2500

/**
 * Sends events in batches of the API's size; a refused event fails the test. With a CRM
 * store, crm-sync then applies them and mirrors the accounts' lifecycle stages back, as
 * the evaluate job does before the rules run: rules pick their accounts by stage.
 */
export function createTestIngest(
  ch: ClickHouse,
  options: {
    db?: Db
    freePlans?: string[]
    /** Fold the rollups as the rollups job would (default); false where views still do. */
    foldRollups?: boolean
  } = {},
) {
  const userGroups = createUserGroups(ch)
  const processBatch = createBatchProcessor({
    catalogue: testCatalogue(),
    userGroups,
    skewToleranceMs: 2000,
    limits: { maxDepth: 16, maxKeys: 512, maxStringBytes: 8192, maxEventBytes: 32768 },
  })
  let folded: number | undefined
  return async function send(events: readonly unknown[]): Promise<void> {
    for (let i = 0; i < events.length; i += BATCH) {
      const result = await processBatch({
        events: events.slice(i, i + BATCH),
        context: undefined,
        sentAt: undefined,
        receivedAt: Date.now(),
        writeKeyId: 'test',
      })
      if (result.rejected.length > 0)
        throw new Error(`ingest refused events: ${JSON.stringify(result.rejected.slice(0, 3))}`)
      await commitBatches(ch, [pendingBatch(result.rows, result.rejectedRows)])
      userGroups.remember(result.groups)
    }
    // The rollups job's work, done at once: the rules read the rollups.
    if (options.foldRollups !== false) {
      const after = folded ?? (await foldStart(ch))
      folded = (await foldPending(ch, { after, maxRows: 2_000_000 })).position
    }
    if (options.db) {
      await syncCrm(
        { ch, db: options.db },
        { overlapMs: 0, pageSize: 5000, freePlans: options.freePlans },
      )
    }
  }
}
