import { z } from 'zod'
import { alertStatuses } from './alert-state.js'
import { idText, pageQuery } from './cursor.js'
import { pageOf, timestamp } from './schemas.js'

export const severities = ['low', 'medium', 'high', 'critical'] as const

export const alertSchema = z.object({
  id: idText,
  tenantId: z.string(),
  ruleId: z.string(),
  ruleVersion: z.number().int().nullable(),
  severity: z.enum(severities),
  title: z.string(),
  status: z.enum(alertStatuses),
  assigneeId: idText.nullable(),
  evidence: z.unknown().describe('the metric values that made the rule fire'),
  snoozedUntil: timestamp.nullable(),
  resolution: z.string().nullable(),
  openedAt: timestamp,
  updatedAt: timestamp,
  resolvedAt: timestamp.nullable(),
})
export type Alert = z.infer<typeof alertSchema>

export const listAlertsQuery = z.object({
  status: z.enum(alertStatuses).optional(),
  severity: z.enum(severities).optional(),
  assignee: idText.optional().describe('assignee user id'),
  rule: z.string().min(1).max(64).optional().describe('rule id'),
  tenant: z.string().min(1).max(200).optional().describe('tenant id'),
  ...pageQuery,
})
export type ListAlertsQuery = z.infer<typeof listAlertsQuery>

export const alertPage = pageOf(alertSchema).describe('alerts, newest first')

export const snoozeBody = z.object({
  until: timestamp.describe('when the alert wakes up again; must be in the future'),
})

export const resolveBody = z.object({
  resolution: z
    .string()
    .trim()
    .min(1)
    .max(2000)
    .describe('what was done, or why nothing is needed'),
})

export const assignBody = z.object({
  assigneeId: idText.nullable().describe('an active user, or null to unassign'),
})

export const alertChange = z.object({
  alert: alertSchema,
  transition: z
    .object({ from: z.enum(alertStatuses), to: z.enum(alertStatuses) })
    .nullable()
    .describe('the status change; null for an assignment'),
})
