import { Conditions, type Queryable } from '../platform/postgres.js'
import type { AlertStatus } from './alert-state.js'
import type { Alert, ListAlertsQuery } from './alerts-schemas.js'
import { decodeCursor, idCursor, toPage } from './cursor.js'
import { iso, isoOrNull } from './schemas.js'

interface AlertRow {
  id: string
  tenant_id: string
  rule_id: string
  rule_version: number | null
  severity: Alert['severity']
  title: string
  status: AlertStatus
  assignee_id: string | null
  evidence: unknown
  snoozed_until: Date | null
  resolution: string | null
  opened_at: Date
  updated_at: Date
  resolved_at: Date | null
}

const alertColumns = `id, tenant_id, rule_id, rule_version, severity, title, status, assignee_id,
  evidence, snoozed_until, resolution, opened_at, updated_at, resolved_at`

export function toAlert(row: AlertRow): Alert {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    ruleId: row.rule_id,
    ruleVersion: row.rule_version,
    severity: row.severity,
    title: row.title,
    status: row.status,
    assigneeId: row.assignee_id,
    evidence: row.evidence,
    snoozedUntil: isoOrNull(row.snoozed_until),
    resolution: row.resolution,
    openedAt: iso(row.opened_at),
    updatedAt: iso(row.updated_at),
    resolvedAt: isoOrNull(row.resolved_at),
  }
}

/** Newest first: new alerts land before a walk's cursor, so a walk never sees one twice. */
export async function listAlerts(db: Queryable, query: ListAlertsQuery) {
  const q = new Conditions()
  if (query.status) q.and(`status = ${q.bind(query.status)}`)
  if (query.severity) q.and(`severity = ${q.bind(query.severity)}`)
  if (query.assignee) q.and(`assignee_id = ${q.bind(query.assignee)}::bigint`)
  if (query.rule) q.and(`rule_id = ${q.bind(query.rule)}`)
  if (query.tenant) q.and(`tenant_id = ${q.bind(query.tenant)}`)
  if (query.cursor) q.and(`id < ${q.bind(decodeCursor(query.cursor, idCursor).i)}::bigint`)
  const { rows } = await db.query<AlertRow>(
    `SELECT ${alertColumns} FROM alerts ${q.sql}
     ORDER BY id DESC LIMIT ${q.bind(query.limit + 1)}`,
    q.params,
  )
  return toPage(rows, query.limit, toAlert, (row) => ({ i: row.id }))
}

export async function getAlert(
  db: Queryable,
  id: string,
  options: { lock?: boolean } = {},
): Promise<Alert | undefined> {
  const { rows } = await db.query<AlertRow>(
    `SELECT ${alertColumns} FROM alerts WHERE id = $1 ${options.lock ? 'FOR UPDATE' : ''}`,
    [id],
  )
  return rows[0] && toAlert(rows[0])
}

/** The account's alerts that still need someone, most severe first. */
export async function unresolvedAlertsOf(db: Queryable, tenantId: string): Promise<Alert[]> {
  const { rows } = await db.query<AlertRow>(
    `SELECT ${alertColumns} FROM alerts WHERE tenant_id = $1 AND status <> 'resolved'
     ORDER BY array_position(ARRAY['critical', 'high', 'medium', 'low'], severity), id DESC`,
    [tenantId],
  )
  return rows.map(toAlert)
}

/** Moves an alert to a status; the snooze time and resolution go with the status they belong to. */
export async function setAlertStatus(
  tx: Queryable,
  id: string,
  input: { to: AlertStatus; snoozedUntil?: Date | undefined; resolution?: string | undefined },
): Promise<void> {
  await tx.query(
    `UPDATE alerts SET status = $2,
       snoozed_until = CASE WHEN $2 = 'snoozed' THEN $3::timestamptz END,
       resolution = CASE WHEN $2 = 'resolved' THEN $4 ELSE resolution END,
       resolved_at = CASE WHEN $2 = 'resolved' THEN now() END,
       updated_at = now()
     WHERE id = $1`,
    [id, input.to, input.snoozedUntil ?? null, input.resolution ?? null],
  )
}
