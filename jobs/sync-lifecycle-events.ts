import { type ApplySummary, applyLifecycleEvents } from '../crm/apply-lifecycle-event.js'
import type { LifecycleEventInput } from '../crm/parse-lifecycle-event.js'
import { retryPoisonEvents } from '../crm/retry-poison-events.js'
import { advanceWatermark, readWatermark } from '../crm/sync-state.js'
import { type ClickHouse, queryRows } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { loadSql } from '../platform/sql.js'

export interface SyncOptions {
  /** How far before the watermark each run starts reading again. */
  overlapMs: number
  pageSize: number
  /** Plan names that pay nothing (FREE_PLANS): a new tenant on any other is a customer. */
  freePlans?: readonly string[] | undefined
}

export interface SyncSummary extends Omit<ApplySummary, 'poison'> {
  read: number
  retried: number
  watermark: string | null
}

interface Row {
  tenant_id: string
  message_id: string
  timestamp_text: string
  received_text: string
  type: 'group' | 'track'
  event: string
  traits: string
  properties: string
}

const watermarkName = 'crm-sync'
const epoch = '1970-01-01 00:00:00.000'

/**
 * crm-sync: applies to the CRM store the lifecycle events committed to ClickHouse since
 * the watermark kept in Postgres. Group commits can land out of receive order, so each
 * run re-reads an overlap before the watermark; the store records every applied
 * message id, which makes the overlap, a redelivered job and a second worker harmless.
 * The watermark moves only after the events before it are applied, so a crash loses
 * nothing: the next run reads them again.
 */
export async function syncLifecycleEvents(
  deps: { ch: ClickHouse; db: Db },
  options: SyncOptions,
  signal?: AbortSignal,
): Promise<SyncSummary> {
  const { ch, db } = deps
  const policy = { freePlans: options.freePlans }
  const watermark = await readWatermark(db, watermarkName)
  const from = watermark
    ? toClickHouseText(new Date(watermark.getTime() - options.overlapMs))
    : epoch
  const summary: SyncSummary = {
    read: 0,
    applied: 0,
    duplicates: 0,
    poisoned: 0,
    retried: 0,
    watermark: null,
  }
  let after = { received: epoch, tenant: '', timestamp: epoch, message: '' }
  for (;;) {
    signal?.throwIfAborted()
    const rows = await queryRows<Row>(ch, loadSql('clickhouse/queries/lifecycle-events-page'), {
      from,
      afterReceived: after.received,
      afterTenant: after.tenant,
      afterTimestamp: after.timestamp,
      afterMessage: after.message,
      limit: options.pageSize,
    })
    if (rows.length === 0) break
    summary.read += rows.length
    const fresh = await skipApplied(db, rows)
    const result = await applyLifecycleEvents(db, fresh.map(toInput), policy)
    summary.applied += result.applied
    summary.duplicates += result.duplicates + (rows.length - fresh.length)
    summary.poisoned += result.poisoned
    const last = rows[rows.length - 1]!
    after = {
      received: last.received_text,
      tenant: last.tenant_id,
      timestamp: last.timestamp_text,
      message: last.message_id,
    }
    summary.watermark = (
      await advanceWatermark(
        db,
        watermarkName,
        new Date(`${last.received_text.replace(' ', 'T')}Z`),
      )
    ).toISOString()
    if (rows.length < options.pageSize) break
  }
  // An order that came before its tenant's first group call waits as unknown_account;
  // the group call may have been applied just now.
  const retried = await retryPoisonEvents(db, {
    reasons: ['unknown_account'],
    limit: 1000,
    policy,
  })
  summary.retried = retried.applied
  return summary
}

/** Drops, in one query, the events the store has already applied (the overlap). */
async function skipApplied(db: Db, rows: Row[]): Promise<Row[]> {
  const { rows: applied } = await db.query<{ tenant_id: string; message_id: string }>(
    `SELECT tenant_id, message_id FROM applied_events
     WHERE (tenant_id, message_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [rows.map((r) => r.tenant_id), rows.map((r) => r.message_id)],
  )
  const seen = new Set(applied.map((a) => `${a.tenant_id}\u0000${a.message_id}`))
  return rows.filter((r) => !seen.has(`${r.tenant_id}\u0000${r.message_id}`))
}

function toInput(row: Row): LifecycleEventInput {
  return {
    tenantId: row.tenant_id,
    messageId: row.message_id,
    timestamp: `${row.timestamp_text.replace(' ', 'T')}Z`,
    type: row.type,
    event: row.type === 'track' ? row.event : undefined,
    traits: parseObject(row.traits),
    properties: parseObject(row.properties),
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

const toClickHouseText = (date: Date) => date.toISOString().slice(0, 23).replace('T', ' ')
