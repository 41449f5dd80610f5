import type { ClickHouse } from '../platform/clickhouse.js'
import type { Config } from '../platform/config.js'
import { AppError } from '../platform/errors.js'
import type { Metrics } from '../platform/metrics.js'
import { commitBatches, type PendingBatch, pendingBatch } from './commit-batch.js'
import { GroupCommit, OverloadedError } from './group-commit.js'
import type { ModuleCatalogue } from './module-catalogue.js'
import { parseBody } from './parse-body.js'
import { createBatchProcessor, type RejectedEvent } from './process-batch.js'
import { createUserGroups } from './user-groups.js'
import { type EventType, eventTypes } from './validate-event.js'
import { type WriteKeyStore, writeKeyOf } from './write-keys.js'

export type Endpoint = 'batch' | EventType

export interface IngestRequest {
  endpoint: Endpoint
  body: Buffer
  contentEncoding: string | undefined
  authorization: string | undefined
  receivedAt: number
}

export interface IngestAnswer {
  success: true
  rejected?: RejectedEvent[]
}

export interface IngestDeps {
  ch: ClickHouse
  config: Config
  catalogue: ModuleCatalogue
  writeKeys: WriteKeyStore
  metrics: Metrics
}

export type IngestService = ReturnType<typeof createIngestService>

/**
 * Everything between a tracking request's bytes and its acknowledgement. Refusals of
 * the whole request are AppErrors (4xx); refusals of single events are values in the
 * answer, stored in rejected_events beside the accepted events.
 */
export function createIngestService(deps: IngestDeps) {
  const { ch, config, metrics } = deps
  const userGroups = createUserGroups(ch)
  const processBatch = createBatchProcessor({
    catalogue: deps.catalogue,
    userGroups,
    skewToleranceMs: config.INGEST_SKEW_TOLERANCE_MS,
    limits: {
      maxDepth: config.INGEST_MAX_DEPTH,
      maxKeys: config.INGEST_MAX_KEYS,
      maxStringBytes: config.INGEST_MAX_STRING_BYTES,
      maxEventBytes: config.INGEST_MAX_EVENT_BYTES,
    },
  })
  const commit = new GroupCommit<PendingBatch>({
    write: (batches) => commitBatches(ch, batches),
    weigh: (b) => b.eventCount + b.rejectedRows.length,
    maxBatch: config.INGEST_FLUSH_ROWS,
    maxWaitMs: config.INGEST_FLUSH_MS,
    maxQueued: config.INGEST_QUEUE_MAX_ROWS,
    concurrency: config.INGEST_INSERT_CONCURRENCY,
    overlapAfterMs: config.INGEST_OVERLAP_AFTER_MS,
    onFlush(rows, seconds, error) {
      metrics.queueDepth.set(commit.depth)
      metrics.insertRows.observe(rows)
      metrics.insertSeconds.observe({ outcome: error ? 'error' : 'ok' }, seconds)
    },
  })
  const retryAfter = { 'retry-after': String(config.INGEST_RETRY_AFTER_SECONDS) }

  // The request's bytes to its encoded rows. A function of its own, so that nothing of
  // the parsed body stays reachable from handle's frame while it waits for the commit.
  async function prepare(request: IngestRequest) {
    const parsed = await parseBody(
      request.body,
      request.contentEncoding,
      config.INGEST_MAX_BODY_BYTES,
    )
    if (!parsed.ok) throw new AppError(parsed.code as never, parsed.message)
    const body = parsed.value
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new AppError('BAD_REQUEST', 'the body must be a JSON object')
    }
    const key = writeKeyOf(request.authorization, body)
    if (key === undefined) {
      throw new AppError(
        'AUTH_MISSING_WRITE_KEY',
        'send the write key as the Basic-auth user name or as `writeKey` in the body',
      )
    }
    const writeKey = await deps.writeKeys.verify(key)
    if (writeKey === undefined)
      throw new AppError('AUTH_INVALID_WRITE_KEY', 'the write key is not valid')

    const record = body as Record<string, unknown>
    const single = request.endpoint !== 'batch'
    const events = single ? [{ ...record, type: request.endpoint }] : record.batch
    if (!Array.isArray(events))
      throw new AppError('INGEST_NO_BATCH', 'the body must hold a `batch` array of events')
    if (events.length > config.INGEST_MAX_BATCH_EVENTS) {
      throw new AppError(
        'INGEST_TOO_MANY_EVENTS',
        `a batch holds at most ${config.INGEST_MAX_BATCH_EVENTS} events, this one ${events.length}`,
      )
    }
    metrics.requestBatchSize.observe(events.length)
    const result = await processBatch({
      events,
      context: !single && isObject(record.context) ? record.context : undefined,
      sentAt: typeof record.sentAt === 'string' ? record.sentAt : undefined,
      receivedAt: request.receivedAt,
      writeKeyId: writeKey.id,
    })
    return {
      pending: pendingBatch(result.rows, result.rejectedRows),
      rejected: result.rejected,
      groups: result.groups,
      single,
    }
  }

  async function handle(request: IngestRequest): Promise<IngestAnswer> {
    const result = await prepare(request)
    try {
      const committed = commit.submit(result.pending)
      metrics.queueDepth.set(commit.depth)
      await committed
    } catch (error) {
      if (error instanceof OverloadedError) {
        throw new AppError(
          'INGEST_OVERLOADED',
          'too many events are waiting to be stored; retry later',
          undefined,
          retryAfter,
        )
      }
      throw new AppError(
        'INGEST_STORE_UNAVAILABLE',
        'the event store is unavailable; nothing was stored, retry later',
        undefined,
        retryAfter,
      )
    }
    userGroups.remember(result.groups)
    metrics.eventsAccepted.inc(result.pending.eventCount)
    for (const r of result.rejected) metrics.eventsRejected.inc({ reason: r.reason })

    const first = result.rejected[0]
    if (result.single && first !== undefined) {
      // Alone in its request, an invalid event has no valid neighbours to protect, so it
      // gets a plain 4xx (after being kept in rejected_events).
      throw new AppError(
        first.reason === 'too_large' ? 'INGEST_PAYLOAD_TOO_LARGE' : 'INGEST_INVALID_EVENT',
        first.message,
        { reason: first.reason },
      )
    }
    return result.rejected.length > 0
      ? { success: true, rejected: result.rejected }
      : { success: true }
  }

  return {
    handle,
    close: () => commit.close(),
    get queueDepth() {
      return commit.depth
    },
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

export const endpoints: readonly Endpoint[] = ['batch', ...eventTypes]
