import { Conditions, type Queryable } from '../platform/postgres.js'
import type { Playbook } from './playbook-schema.js'

/** One occurrence of a playbook's trigger: an alert, a lead, a renewal date, a period. */
export interface TriggerInstance {
  /** Names the occurrence; with the playbook and a template it keys a task once. */
  key: string
  tenantId: string
  /** When it happened (or is due): the tasks' due dates count from here. */
  at: Date
  alertId?: string | undefined
  leadId?: string | undefined
  leadOwnerId?: string | null | undefined
  opportunityId?: string | undefined
  /** Values for the task titles' placeholders. */
  values: Record<string, string>
}

interface Row {
  key: string
  tenant_id: string
  at: Date
  alert_id?: string | null
  alert_title?: string | null
  severity?: string | null
  lead_id?: string | null
  lead_owner_id?: string | null
  opportunity_id?: string | null
  renewal_date?: string | null
}

const utcDay = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')`

// The moves into customer: a first order, a win-back or renewal after churn, or an
// account first seen on a paid plan (from_state NULL). Matches the partial index.
const becameCustomer = (alias: string) =>
  `${alias}.to_state = 'customer' AND ${alias}.from_state IS DISTINCT FROM 'customer'`

/**
 * The occurrences of a playbook's trigger up to `now` that it has not acted on yet,
 * oldest first, at most `limit` (the next run takes the rest). One set-based query per
 * playbook. Alerts, leads and onboardings within the lookback; renewals from `daysBefore`
 * until the date; cadences whenever a period is over and no task of the playbook is
 * open on the account.
 */
export async function findTriggerInstances(
  db: Queryable,
  playbookId: string,
  playbook: Playbook,
  options: { now: Date; limit: number },
): Promise<TriggerInstance[]> {
  const q = new Conditions()
  const id = q.bind(playbookId)
  const now = `${q.bind(options.now)}::timestamptz`
  // Bound only where used: an unused parameter has no type, which the server refuses.
  let lookback: string | undefined
  const since = () =>
    (lookback ??= `${now} - make_interval(days => ${q.bind(playbook.lookbackDays)}::int)`)
  const list = (values: readonly string[] | undefined) => `${q.bind(values ?? null)}::text[]`
  const segment = segmentSql(q, playbook.segment)
  const notRun = (key: string) =>
    `NOT EXISTS (SELECT 1 FROM tasks t WHERE t.playbook_id = ${id} AND t.trigger_key = ${key})`
  const trigger = playbook.trigger
  let sql: string
  switch (trigger.type) {
    case 'alert_opened': {
      const rules = list(trigger.rules)
      const severities = list(trigger.severities)
      sql = `SELECT 'alert:' || al.id AS key, al.tenant_id, al.opened_at AS at, al.id AS alert_id,
          al.title AS alert_title, al.severity
        FROM alerts al JOIN accounts a ON a.tenant_id = al.tenant_id
        WHERE al.status <> 'resolved' AND al.opened_at <= ${now} AND al.opened_at > ${since()}
          AND (${rules} IS NULL OR al.rule_id = ANY(${rules}))
          AND (${severities} IS NULL OR al.severity = ANY(${severities}))
          AND ${segment} AND ${notRun("'alert:' || al.id")}
        ORDER BY al.opened_at, al.id`
      break
    }
    case 'lead_opened':
    case 'lead_converted': {
      const opened = trigger.type === 'lead_opened'
      const event = opened ? 'opened' : 'converted'
      const at = opened ? 'l.created_at' : 'l.closed_at'
      const key = `'lead:' || l.id || ':${event}'`
      const sources = list(trigger.sources)
      sql = `SELECT ${key} AS key, l.tenant_id, ${at} AS at, l.id AS lead_id,
          l.owner_id AS lead_owner_id,
          (SELECT o.id FROM opportunities o WHERE o.lead_id = l.id ORDER BY o.id DESC LIMIT 1) AS opportunity_id
        FROM leads l JOIN accounts a ON a.tenant_id = l.tenant_id
        WHERE l.status ${opened ? "IN ('open', 'working')" : "= 'converted'"}
          AND ${at} <= ${now} AND ${at} > ${since()}
          AND (${sources} IS NULL OR l.source = ANY(${sources}))
          AND ${segment} AND ${notRun(key)}
        ORDER BY ${at}, l.id`
      break
    }
    case 'became_customer': {
      const from = list(trigger.from)
      sql = `SELECT 'customer:' || al.id AS key, al.tenant_id, al.at
        FROM activity_log al JOIN accounts a ON a.tenant_id = al.tenant_id
        WHERE ${becameCustomer('al')}
          AND a.lifecycle = 'customer' AND al.at <= ${now} AND al.at > ${since()}
          AND (${from} IS NULL OR al.from_state = ANY(${from}))
          AND ${segment} AND ${notRun("'customer:' || al.id")}
        ORDER BY al.at, al.id`
      break
    }
    case 'renewal_due': {
      // No contract end date is recorded: a term starts at the first order or at a
      // renewal (a won new-business or renewal opportunity) and runs a year.
      const before = `make_interval(days => ${q.bind(trigger.daysBefore)}::int)`
      const key = `'renewal:' || d.tenant_id || ':' || ${utcDay('d.renews_at')}`
      sql = `WITH d AS (
          SELECT tenant_id, max(closed_at) + interval '1 year' AS renews_at FROM opportunities
          WHERE status = 'won' AND kind IN ('new', 'renewal') GROUP BY tenant_id
        )
        SELECT ${key} AS key, d.tenant_id, d.renews_at - ${before} AS at,
          ${utcDay('d.renews_at')} AS renewal_date
        FROM d JOIN accounts a ON a.tenant_id = d.tenant_id
        WHERE a.lifecycle = 'customer' AND d.renews_at - ${before} <= ${now} AND d.renews_at > ${now}
          AND ${segment} AND ${notRun(key)}
        ORDER BY d.renews_at, d.tenant_id`
      break
    }
    case 'cadence': {
      // A period starts at the last completed task of the type, the last cancelled task
      // of this playbook (a skipped check-in), or the day the account became a customer.
      const key = `'cadence:' || d.tenant_id || ':' || ${utcDay('d.due_at')}`
      sql = `WITH s AS (
          SELECT a.tenant_id, greatest(
            (SELECT max(t.done_at) FROM tasks t
             WHERE t.tenant_id = a.tenant_id AND t.status = 'done' AND t.type = ${q.bind(trigger.taskType)}),
            (SELECT max(t.cancelled_at) FROM tasks t
             WHERE t.tenant_id = a.tenant_id AND t.status = 'cancelled' AND t.playbook_id = ${id}),
            coalesce(
              (SELECT max(l.at) FROM activity_log l WHERE l.tenant_id = a.tenant_id AND ${becameCustomer('l')}),
              a.created_at)
          ) AS since
          FROM accounts a WHERE a.lifecycle = 'customer' AND ${segment}
        ), d AS (
          SELECT tenant_id, since + make_interval(days => ${q.bind(trigger.everyDays)}::int) AS due_at FROM s
        )
        SELECT ${key} AS key, d.tenant_id, d.due_at AS at FROM d
        WHERE d.due_at <= ${now} AND ${notRun(key)}
          AND NOT EXISTS (SELECT 1 FROM tasks t
                          WHERE t.tenant_id = d.tenant_id AND t.playbook_id = ${id} AND t.status = 'open')
        ORDER BY d.due_at, d.tenant_id`
      break
    }
  }
  const { rows } = await db.query<Row>(`${sql} LIMIT ${q.bind(options.limit)}`, q.params)
  return rows.map(toInstance)
}

function segmentSql(q: Conditions, segment: Playbook['segment']): string {
  if (!segment) return 'true'
  const parts: string[] = []
  if (segment.plans) {
    const plans = segment.plans.map((plan) => plan.trim().toLowerCase())
    parts.push(`lower(trim(a.plan)) = ANY(${q.bind(plans)}::text[])`)
  }
  if (segment.minMrr !== undefined) parts.push(`a.mrr >= ${q.bind(segment.minMrr)}::numeric`)
  if (segment.maxMrr !== undefined) parts.push(`a.mrr <= ${q.bind(segment.maxMrr)}::numeric`)
  return parts.length > 0 ? `(${parts.join(' AND ')})` : 'true'
}

function toInstance(row: Row): TriggerInstance {
  const values: Record<string, string> = {}
  if (row.alert_title) values.alertTitle = row.alert_title
  if (row.severity) values.severity = row.severity
  if (row.renewal_date) values.renewalDate = row.renewal_date
  return {
    key: row.key,
    tenantId: row.tenant_id,
    at: row.at,
    alertId: row.alert_id ?? undefined,
    leadId: row.lead_id ?? undefined,
    leadOwnerId: row.lead_owner_id,
    opportunityId: row.opportunity_id ?? undefined,
    values,
  }
}
