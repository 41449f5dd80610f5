import { z } from 'zod'
import { timestamp } from './schemas.js'

const day = z.iso.date()

export const ruleSummary = z.object({
  id: z.string(),
  kind: z.enum(['abm', 'churn']),
  name: z.string(),
  status: z.enum(['draft', 'active', 'paused', 'archived']),
  version: z.number().int(),
  definition: z.unknown(),
})

export const ruleList = z.object({ items: z.array(ruleSummary) })

export const ruleIdParams = z.object({ id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/) })

/** A rule document; validated against the rule schema by the controller (rules/). */
export const ruleDocument = z.record(z.string(), z.unknown()).describe('a rule (rules/README.md)')

export const createdVersion = z.object({ id: z.string(), version: z.number().int() })

export const activateBody = z.object({ version: z.number().int().min(1) })

/** A stored rule (its active or given version) or a draft rule document. */
export const ruleRef = z.union([
  z.object({ ruleId: z.string(), version: z.number().int().min(1).optional() }),
  z.object({ rule: ruleDocument }),
])

export const dryRunBody = z.intersection(ruleRef, z.object({ asOf: day.optional() }))

export const firing = z.object({
  tenantId: z.string(),
  module: z.string().optional(),
  asOf: day,
  score: z.number().optional(),
  intentTag: z.string().optional(),
  severity: z.string().optional(),
  title: z.string().optional(),
  evidence: z.record(z.string(), z.number()),
})

export const dryRunResult = z.object({ ruleId: z.string(), asOf: day, firings: z.array(firing) })

export const backtestBody = z.intersection(
  ruleRef,
  z.object({ from: day, to: day, horizonDays: z.number().int().min(1).max(365).default(30) }),
)

export const backtestResult = z.object({
  ruleId: z.string(),
  kind: z.enum(['abm', 'churn']),
  from: day,
  to: day,
  horizonDays: z.number(),
  population: z.number(),
  firedAccounts: z.number(),
  firingsPerWeek: z.number(),
  confusion: z.object({
    truePositives: z.number(),
    falsePositives: z.number(),
    falseNegatives: z.number(),
    trueNegatives: z.number(),
  }),
  precision: z.number().nullable(),
  recall: z.number().nullable(),
  baseRate: z.number().nullable(),
  lift: z.number().nullable(),
  medianLeadTimeDays: z.number().nullable(),
  workedAlerts: z
    .object({ withTasks: z.number(), worked: z.number(), churnedAfter: z.number() })
    .optional()
    .describe(
      "churn rules: the rule's recorded alerts in the period with playbook tasks, those whose tasks were all done, and how many of those accounts still cancelled within the horizon",
    ),
  timeline: z
    .array(z.object({ day, firings: z.number().int(), outcomes: z.number().int() }))
    .describe('each day from `from` to `to` + horizon: accounts fired, outcomes recorded'),
  seconds: z.number(),
})

export const evaluateBody = z.object({
  kind: z.enum(['abm', 'churn']).optional(),
  asOf: day.optional(),
})
export const evaluateResult = z.object({
  queued: z.array(
    z.object({
      kind: z.enum(['abm', 'churn']),
      jobId: z.string(),
      /** Follow it at GET /api/jobs/evaluations/:id. */
      evaluationId: z.string(),
    }),
  ),
  at: timestamp,
})

export const evaluationParams = z.object({ id: z.string().regex(/^\d{1,18}$/, 'an evaluation id') })

const count = z.number().int().nonnegative()
export const evaluationRecord = z.object({
  id: z.string(),
  kind: z.enum(['abm', 'churn']),
  trigger: z.enum(['schedule', 'manual']),
  status: z.enum(['queued', 'running', 'applying', 'done', 'failed']),
  asOf: z.string().nullable(),
  rules: count.nullable(),
  invalidRules: z.array(z.string()),
  firings: count.nullable(),
  synced: z.record(z.string(), z.unknown()),
  counts: z.object({
    applied: count,
    pending: count,
    leadsOpened: count,
    leadsUpdated: count,
    signals: count,
    alertsOpened: count,
    skipped: z.record(z.string(), count),
  }),
  error: z.string().nullable(),
  queuedAt: timestamp,
  startedAt: timestamp.nullable(),
  finishedAt: timestamp.nullable(),
})
