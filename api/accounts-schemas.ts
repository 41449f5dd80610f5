import { z } from 'zod'
import { lifecycleStates } from '../crm/lifecycle.js'
import { alertSchema } from './alerts-schemas.js'
import { idText } from './cursor.js'
import { timestamp } from './schemas.js'
import { taskSchema } from './tasks-schemas.js'

export const tenantParams = z.object({ tenantId: z.string().min(1).max(200) })

export const accountSchema = z.object({
  tenantId: z.string(),
  name: z.string(),
  plan: z.string(),
  seats: z.number().int().nullable(),
  mrr: z.string().nullable().describe('decimal text'),
  lifecycle: z.enum(lifecycleStates),
  ownerTeam: z.enum(['sales', 'cs']),
  ownerId: idText.nullable(),
  csmId: idText.nullable(),
  health: z.object({
    score: z.number().int().nullable().describe('0-100, as last computed; null before the first'),
    components: z.record(z.string(), z.unknown()),
  }),
  churnRisk: z
    .object({
      probability: z.number().describe('of a cancellation within the model horizon, 0-1'),
      reasons: z
        .array(
          z.object({
            feature: z.string(),
            value: z.number().nullable(),
            contribution: z.number().describe('to the log-odds against an average account'),
            text: z.string(),
          }),
        )
        .describe('the inputs that raised the risk most, in words'),
      modelId: idText.nullable(),
      scoredAt: timestamp.nullable(),
    })
    .nullable()
    .describe('the active churn model, as last scored; null before the first score'),
  traitsAt: timestamp.nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
})

export const activitySchema = z.object({
  id: idText,
  actor: z
    .string()
    .describe('crm-sync, system, rule:<id>, playbook:<id>, or user:key-<api key id>'),
  action: z.string(),
  fromState: z.string().nullable(),
  toState: z.string().nullable(),
  reason: z.string(),
  details: z.unknown(),
  at: timestamp,
})

export const intentSignalSchema = z.object({
  id: idText,
  ruleId: z.string(),
  ruleVersion: z.number().int(),
  leadId: idText.nullable(),
  evidence: z.unknown(),
  firedAt: timestamp,
})

export const accountView = z.object({
  account: accountSchema,
  history: z
    .array(activitySchema)
    .describe('the newest 200 entries of the activity log, newest first'),
  openAlerts: z.array(alertSchema).describe('unresolved alerts, most severe first'),
  intentSignals: z.array(intentSignalSchema).describe('the newest 100 rule firings'),
  priority: z
    .enum(['normal', 'raised'])
    .describe('raised while an open task is TASK_OVERDUE_ESCALATE_DAYS or more past due'),
  openTasks: z.array(taskSchema).describe('open tasks, soonest due first (at most 100)'),
})

export const usageQuery = z
  .object({
    from: z.iso.date().optional().describe('first day (UTC), default 29 days before `to`'),
    to: z.iso.date().optional().describe('last day (UTC), included; default today'),
  })
  .refine(({ from, to }) => from === undefined || to === undefined || from <= to, {
    message: 'from must not be after to',
  })
export type UsageQuery = z.infer<typeof usageQuery>

const figures = {
  events: z.number().int().describe('distinct events'),
  activeUsers: z.number().int().describe('distinct users (or anonymous ids)'),
}

export const usageSchema = z.object({
  tenantId: z.string(),
  from: z.iso.date(),
  to: z.iso.date(),
  days: z
    .array(
      z.object({
        day: z.iso.date(),
        ...figures,
        modules: z.array(z.object({ module: z.string(), kind: z.string(), ...figures })),
      }),
    )
    .describe('days with any usage, oldest first'),
})
export type Usage = z.infer<typeof usageSchema>
