import { loadModuleCatalogue } from '../ingest/module-catalogue.js'
import { type BatchResult, createBatchProcessor } from '../ingest/process-batch.js'
import type { UserGroups } from '../ingest/user-groups.js'
import type { Config } from '../platform/config.js'
import type { SimEvent } from './event-types.js'

// The backfill's rows come out of ingest's own pipeline (limits, validation, module
// resolution, clock rules), so they are the rows the tracking API would have written
// for the same events, not a second implementation of them.

/** The write_key_id of backfilled rows: no key sent them, and this says where they came from. */
export const BACKFILL_WRITE_KEY_ID = 'sim-backfill'

export type IngestLimits = Pick<
  Config,
  | 'INGEST_MAX_DEPTH'
  | 'INGEST_MAX_KEYS'
  | 'INGEST_MAX_STRING_BYTES'
  | 'INGEST_MAX_EVENT_BYTES'
  | 'INGEST_SKEW_TOLERANCE_MS'
>

// Every simulated event names its tenant (context.groupId, or groupId of a group call),
// so the pipeline never has to look a user up; one that did would be refused as
// no_tenant and counted, as ingest would.
const noLookups: UserGroups = {
  lookup: async () => new Map(),
  remember() {},
}

export type NormalizeSimEvents = (
  events: readonly SimEvent[],
  receivedAt: number,
) => Promise<BatchResult>

export function createSimNormalizer(limits: IngestLimits, modulesFile: string): NormalizeSimEvents {
  const processBatch = createBatchProcessor({
    catalogue: loadModuleCatalogue(modulesFile),
    userGroups: noLookups,
    skewToleranceMs: limits.INGEST_SKEW_TOLERANCE_MS,
    limits: {
      maxDepth: limits.INGEST_MAX_DEPTH,
      maxKeys: limits.INGEST_MAX_KEYS,
      maxStringBytes: limits.INGEST_MAX_STRING_BYTES,
      maxEventBytes: limits.INGEST_MAX_EVENT_BYTES,
    },
  })
  // No sentAt: a backfilled event was never in transit, so its timestamp is taken as
  // given (receivedAt is chosen at or after every timestamp of the batch).
  return (events, receivedAt) =>
    processBatch({
      events,
      context: undefined,
      sentAt: undefined,
      receivedAt,
      writeKeyId: BACKFILL_WRITE_KEY_ID,
    })
}
