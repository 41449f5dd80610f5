import { z } from 'zod'
import type { Lifecycle } from '../crm/lifecycle.js'
import { Conditions, type Queryable } from '../platform/postgres.js'
import { decodeCursor, idText, toPage } from './cursor.js'
import type { Lead, ListLeadsQuery } from './leads-schemas.js'
import { iso, isoOrNull } from './schemas.js'

interface LeadRow {
  id: string
  tenant_id: string
  account_name: string
  lifecycle: Lifecycle
  source: 'abm' | 'mql'
  status: Lead['status']
  score: number
  intent_tags: string[]
  owner_id: string | null
  note: string | null
  created_at: Date
  updated_at: Date
  closed_at: Date | null
}

const leadColumns = `l.id, l.tenant_id, a.name AS account_name, a.lifecycle, l.source, l.status,
  l.score, l.intent_tags, l.owner_id, l.note, l.created_at, l.updated_at, l.closed_at`

export function toLead(row: LeadRow): Lead {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    accountName: row.account_name,
    lifecycle: row.lifecycle,
    source: row.source,
    status: row.status,
    score: row.score,
    intentTags: row.intent_tags,
    ownerId: row.owner_id,
    note: row.note,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    closedAt: isoOrNull(row.closed_at),
  }
}

// The inbox order: best score first; id breaks ties, so the order is total and a
// cursor (score, id) names one position in it.
const leadCursor = z.object({ s: z.number().int(), i: idText })

export async function listLeads(db: Queryable, query: ListLeadsQuery) {
  const q = new Conditions()
  if (query.status) q.and(`l.status = ${q.bind(query.status)}`)
  if (query.source) q.and(`l.source = ${q.bind(query.source)}`)
  if (query.owner) q.and(`l.owner_id = ${q.bind(query.owner)}::bigint`)
  if (query.module) q.and(`${q.bind(query.module)}::text = ANY(l.intent_tags)`)
  if (query.minScore !== undefined) q.and(`l.score >= ${q.bind(query.minScore)}::int`)
  if (query.cursor) {
    const after = decodeCursor(query.cursor, leadCursor)
    const score = q.bind(after.s)
    q.and(
      `(l.score < ${score}::int OR (l.score = ${score}::int AND l.id > ${q.bind(after.i)}::bigint))`,
    )
  }
  const { rows } = await db.query<LeadRow>(
    `SELECT ${leadColumns} FROM leads l JOIN accounts a ON a.tenant_id = l.tenant_id ${q.sql}
     ORDER BY l.score DESC, l.id LIMIT ${q.bind(query.limit + 1)}`,
    q.params,
  )
  return toPage(rows, query.limit, toLead, (row) => ({ s: row.score, i: row.id }))
}

export async function getLead(
  db: Queryable,
  id: string,
  options: { lock?: boolean } = {},
): Promise<Lead | undefined> {
  const { rows } = await db.query<LeadRow>(
    `SELECT ${leadColumns} FROM leads l JOIN accounts a ON a.tenant_id = l.tenant_id
     WHERE l.id = $1 ${options.lock ? 'FOR UPDATE OF l' : ''}`,
    [id],
  )
  return rows[0] && toLead(rows[0])
}

/** The account's open or working lead: there is at most one. */
export async function openLeadOf(db: Queryable, tenantId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(
    "SELECT id FROM leads WHERE tenant_id = $1 AND status IN ('open', 'working')",
    [tenantId],
  )
  return rows[0]?.id
}

/** Whether a user can own a lead or take an alert: known and active. */
export async function isActiveUser(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM users WHERE id = $1 AND active', [id])
  return rowCount === 1
}
