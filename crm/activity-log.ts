import { jsonParam, type Queryable } from '../platform/postgres.js'

/**
 * 'crm-sync' for what the event stream did, `user:<id>`, `rule:<id>` or
 * `playbook:<id>` otherwise.
 */
export type Actor =
  | 'crm-sync'
  | 'system'
  | `user:${string}`
  | `rule:${string}`
  | `playbook:${string}`

export interface ActivityEntry {
  tenantId: string
  actor: Actor
  action: string
  fromState: string | null
  toState: string | null
  reason: string
  /** When it happened (the event's time), not when the CRM wrote it. */
  at: Date
  messageId?: string | undefined
  details?: Record<string, unknown> | undefined
}

export interface ActivityRow extends Omit<ActivityEntry, 'messageId' | 'details'> {
  id: string
  messageId: string | null
  details: Record<string, unknown>
  recordedAt: Date
}

export async function appendActivity(tx: Queryable, entry: ActivityEntry): Promise<void> {
  await tx.query(
    `INSERT INTO activity_log
       (tenant_id, actor, action, from_state, to_state, reason, message_id, details, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb, $9)`,
    [
      entry.tenantId,
      entry.actor,
      entry.action,
      entry.fromState,
      entry.toState,
      entry.reason,
      entry.messageId ?? null,
      jsonParam(entry.details ?? {}),
      entry.at,
    ],
  )
}

/** An account's history, oldest first. */
export async function listActivity(db: Queryable, tenantId: string): Promise<ActivityRow[]> {
  const result = await db.query<ActivityRow>(
    `SELECT id, tenant_id AS "tenantId", actor, action, from_state AS "fromState",
       to_state AS "toState", reason, message_id AS "messageId", details, at,
       recorded_at AS "recordedAt"
     FROM activity_log WHERE tenant_id = $1 ORDER BY id`,
    [tenantId],
  )
  return result.rows
}
