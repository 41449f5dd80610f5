import type { Queryable, Tx } from '../platform/postgres.js'
import { jsonParam } from '../platform/postgres.js'
import { lockAccount } from './accounts.js'
import { applyTransition } from './apply-transition.js'
import { enqueueWebhooks } from './enqueue-webhooks.js'
import { type FiringOutcome, hasFiringOutcome, recordFiringOutcome } from './evaluations.js'

/** One rule firing for one account, as the evaluation step hands it over. */
export interface RuleFiring {
  ruleId: string
  ruleVersion: number
  kind: 'abm' | 'churn'
  tenantId: string
  module?: string | undefined
  intentTag?: string | undefined
  score?: number | undefined
  severity?: 'low' | 'medium' | 'high' | 'critical' | undefined
  title?: string | undefined
  cooldownDays?: number | undefined
  evidence: Record<string, unknown>
}

export type SkipReason =
  | 'unknown_account'
  | 'not_a_prospect'
  | 'not_a_customer'
  | 'alert_open'
  | 'cooling_down'

export interface ApplyFiringsSummary {
  leadsOpened: number
  leadsUpdated: number
  signals: number
  alertsOpened: number
  webhooks: number
  skipped: Partial<Record<SkipReason, number>>
  /** Firings whose outcome an earlier run of the same evaluation recorded already. */
  alreadyApplied: number
  /** Firings for accounts the CRM does not know yet, handed back to be tried again. */
  deferred: RuleFiring[]
}

export interface ApplyFiringsOptions {
  /** The evaluation the firings come from: each outcome is recorded there, once. */
  evaluationId?: string | undefined
  /**
   * Hand back firings for an unknown account instead of skipping them: crm-sync may
   * not have created the account yet. The caller retries them, for a bounded time.
   */
  deferUnknownAccounts?: boolean | undefined
}

type Applied = { outcome: Exclude<FiringOutcome, 'skipped'>; signal: boolean } | SkipReason

interface Transactional {
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>
}

/**
 * The apply step: ABM firings become an open lead with intent tags, score and an
 * intent signal; churn firings an alert for the account's CSM. Idempotent for one
 * evaluation time (`at`): a rerun finds the signal, the tags and the open alert already
 * there and writes nothing. A rule that stops firing resolves nothing: people do.
 */
export async function applyFirings(
  db: Transactional,
  firings: readonly RuleFiring[],
  at: Date,
  options: ApplyFiringsOptions = {},
): Promise<ApplyFiringsSummary> {
  const summary: ApplyFiringsSummary = {
    leadsOpened: 0,
    leadsUpdated: 0,
    signals: 0,
    alertsOpened: 0,
    webhooks: 0,
    skipped: {},
    alreadyApplied: 0,
    deferred: [],
  }
  const { evaluationId } = options
  for (const firing of firings) {
    const key = {
      evaluationId: evaluationId ?? '',
      ruleId: firing.ruleId,
      tenantId: firing.tenantId,
      module: firing.module ?? '',
    }
    // The outcome is recorded in the transaction that applies the firing, so a retried
    // job neither applies nor counts a firing twice.
    const done = await db.transaction(async (tx): Promise<Applied | 'already' | 'deferred'> => {
      if (evaluationId && (await hasFiringOutcome(tx, key))) return 'already'
      const applied =
        firing.kind === 'abm'
          ? await applyAbm(tx, firing, at, summary)
          : await applyChurn(tx, firing, at, summary)
      if (applied === 'unknown_account' && options.deferUnknownAccounts) return 'deferred'
      if (evaluationId) {
        await recordFiringOutcome(
          tx,
          typeof applied === 'string'
            ? { ...key, outcome: 'skipped', skipReason: applied, signal: false }
            : { ...key, ...applied },
        )
      }
      return applied
    })
    if (done === 'already') summary.alreadyApplied++
    else if (done === 'deferred') summary.deferred.push(firing)
    else if (typeof done === 'string') summary.skipped[done] = (summary.skipped[done] ?? 0) + 1
  }
  return summary
}

async function applyAbm(
  tx: Queryable,
  firing: RuleFiring,
  at: Date,
  summary: ApplyFiringsSummary,
): Promise<Applied> {
  const account = await lockAccount(tx, firing.tenantId)
  if (!account) return 'unknown_account'
  if (account.lifecycle !== 'prospect' && account.lifecycle !== 'lead') return 'not_a_prospect'
  const tags = firing.intentTag ? [firing.intentTag] : []
  const score = Math.max(0, Math.round(firing.score ?? 0))
  let outcome: Exclude<FiringOutcome, 'skipped'> = 'lead_unchanged'
  let lead = await openLeadOf(tx, firing.tenantId)
  if (!lead) {
    const moved = await applyTransition(
      tx,
      account,
      { type: 'lead_entered', source: 'abm' },
      {
        actor: `rule:${firing.ruleId}`,
        at,
        note: tags.join(', ') || firing.ruleId,
        lead: { score, intentTags: tags },
      },
    )
    if (!moved.ok) return 'not_a_prospect'
    lead = (await openLeadOf(tx, firing.tenantId))!
    outcome = 'lead_opened'
    summary.leadsOpened++
    summary.webhooks += await enqueueWebhooks(tx, 'lead.opened', {
      leadId: lead.id,
      tenantId: firing.tenantId,
      score,
      intentTags: tags,
      evidence: firing.evidence,
    })
  } else {
    const merged = [...new Set([...lead.intent_tags, ...tags])].sort()
    const newScore = Math.max(lead.score, score)
    if (newScore !== lead.score || merged.length !== lead.intent_tags.length) {
      await tx.query(
        'UPDATE leads SET score = $2, intent_tags = $3, updated_at = now() WHERE id = $1',
        [lead.id, newScore, merged],
      )
      outcome = 'lead_updated'
      summary.leadsUpdated++
      summary.webhooks += await enqueueWebhooks(tx, 'lead.updated', {
        leadId: lead.id,
        tenantId: firing.tenantId,
        score: newScore,
        intentTags: merged,
      })
    }
  }
  const signal = await tx.query(
    `INSERT INTO intent_signals (tenant_id, lead_id, rule_id, rule_version, module, evidence, fired_at)
     VALUES ($1, $2, $3, $4, $5, $6::text::jsonb, $7) ON CONFLICT ON CONSTRAINT intent_signals_once DO NOTHING`,
    [
      firing.tenantId,
      lead.id,
      firing.ruleId,
      firing.ruleVersion,
      firing.module ?? '',
      jsonParam({ module: firing.module, intentTag: firing.intentTag, ...firing.evidence }),
      at,
    ],
  )
  summary.signals += signal.rowCount
  return { outcome, signal: signal.rowCount > 0 }
}

/** The account's open (or being worked) lead: there is at most one. */
async function openLeadOf(tx: Queryable, tenantId: string) {
  const { rows } = await tx.query<{ id: string; score: number; intent_tags: string[] }>(
    "SELECT id, score, intent_tags FROM leads WHERE tenant_id = $1 AND status IN ('open', 'working')",
    [tenantId],
  )
  return rows[0]
}

async function applyChurn(
  tx: Queryable,
  firing: RuleFiring,
  at: Date,
  summary: ApplyFiringsSummary,
): Promise<Applied> {
  const account = await lockAccount(tx, firing.tenantId)
  if (!account) return 'unknown_account'
  if (account.lifecycle !== 'customer') return 'not_a_customer'
  const open = await tx.query(
    "SELECT 1 FROM alerts WHERE tenant_id = $1 AND rule_id = $2 AND status <> 'resolved'",
    [firing.tenantId, firing.ruleId],
  )
  if (open.rowCount > 0) return 'alert_open'
  const cooldownDays = firing.cooldownDays ?? 0
  const recent = await tx.query(
    `SELECT 1 FROM alerts WHERE tenant_id = $1 AND rule_id = $2 AND status = 'resolved'
       AND resolved_at > $3::timestamptz - make_interval(days => $4::int)`,
    [firing.tenantId, firing.ruleId, at, cooldownDays],
  )
  if (recent.rowCount > 0) return 'cooling_down'
  const title = firing.title ?? firing.ruleId
  const inserted = await tx.query<{ id: string }>(
    `INSERT INTO alerts (tenant_id, rule_id, rule_version, severity, title, assignee_id, evidence, opened_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::text::jsonb, $8) RETURNING id`,
    [
      firing.tenantId,
      firing.ruleId,
      firing.ruleVersion,
      firing.severity ?? 'medium',
      title,
      account.csmId ?? null,
      jsonParam({ module: firing.module, ...firing.evidence }),
      at,
    ],
  )
  const alertId = inserted.rows[0]!.id
  summary.alertsOpened++
  summary.webhooks += await enqueueWebhooks(tx, 'alert.opened', {
    alertId,
    tenantId: firing.tenantId,
    ruleId: firing.ruleId,
    severity: firing.severity ?? 'medium',
    title,
    assigneeId: account.csmId ?? null,
    evidence: firing.evidence,
  })
  return { outcome: 'alert_opened', signal: false }
}
