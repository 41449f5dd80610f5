import { z } from 'zod'
import { lifecycleStates } from '../crm/lifecycle.js'
import { taskTypes } from '../crm/playbook-schema.js'
import { idText, pageQuery } from './cursor.js'
import { pageOf, timestamp } from './schemas.js'

export const taskStatuses = ['open', 'done', 'cancelled'] as const

export const taskSchema = z.object({
  id: idText,
  tenantId: z.string(),
  accountName: z.string(),
  lifecycle: z.enum(lifecycleStates),
  title: z.string(),
  type: z.enum(taskTypes),
  description: z.string().nullable(),
  status: z.enum(taskStatuses),
  outcome: z.string().nullable().describe('what came of it (done), or why not (cancelled)'),
  dueAt: timestamp,
  assigneeId: idText.nullable(),
  leadId: idText.nullable(),
  alertId: idText.nullable(),
  opportunityId: idText.nullable(),
  playbook: z
    .object({ id: z.string(), version: z.number().int(), triggerKey: z.string() })
    .nullable()
    .describe('the playbook version that created the task, and for which occurrence'),
  createdBy: z.string().describe('user:key-<id> for a person, playbook:<id> for a playbook'),
  createdAt: timestamp,
  updatedAt: timestamp,
  doneAt: timestamp.nullable(),
  cancelledAt: timestamp.nullable(),
  overdueDays: z.number().int().nullable().describe('whole days past due, for an open task'),
  escalated: z
    .boolean()
    .describe('open and TASK_OVERDUE_ESCALATE_DAYS or more past due: it raises the priority'),
  accountPriority: z
    .enum(['normal', 'raised'])
    .describe('raised while any open task of the account is escalated'),
})
export type Task = z.infer<typeof taskSchema>

export const listTasksQuery = z.object({
  mine: z.stringbool().optional().describe("the tasks of the key's own user (a key with userId)"),
  assignee: idText.optional().describe('assignee user id'),
  tenant: z.string().min(1).max(200).optional().describe('tenant id: the tasks of one account'),
  status: z.enum(taskStatuses).optional(),
  overdue: z.stringbool().optional().describe('true: open tasks past due'),
  dueBefore: timestamp.optional().describe('due before this time (today, this week)'),
  alert: idText.optional().describe('the tasks of an alert'),
  lead: idText.optional().describe('the tasks of a lead'),
  type: z.enum(taskTypes).optional(),
  playbook: z.string().min(1).max(64).optional().describe('playbook id'),
  ...pageQuery,
})
export type ListTasksQuery = z.infer<typeof listTasksQuery>

export const taskPage = pageOf(taskSchema).describe('tasks by due date, soonest first, then id')

const title = z.string().trim().min(1).max(200)
const description = z.string().max(2000)

export const createTaskBody = z.object({
  tenantId: z.string().min(1).max(200),
  title,
  type: z.enum(taskTypes).default('other'),
  description: description.optional(),
  dueAt: timestamp,
  assigneeId: idText
    .optional()
    .describe("an active user; default the key's own user, else the account's owner"),
  leadId: idText.optional(),
  alertId: idText.optional(),
  opportunityId: idText.optional(),
})
export type CreateTaskBody = z.infer<typeof createTaskBody>

export const updateTaskBody = z
  .object({
    title: title.optional(),
    type: z.enum(taskTypes).optional(),
    description: description.nullable().optional(),
    dueAt: timestamp.optional().describe('a new due date; a missed one escalates again'),
    assigneeId: idText.nullable().optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    message: 'give at least one of title, type, description, dueAt, assigneeId',
  })
export type UpdateTaskBody = z.infer<typeof updateTaskBody>

export const completeTaskBody = z.object({
  outcome: z.string().trim().min(1).max(2000).describe('what came of it'),
})

export const cancelTaskBody = z
  .object({ reason: z.string().trim().min(1).max(2000).optional() })
  // No body at all arrives as null.
  .nullish()

export const taskAnswer = z.object({ task: taskSchema })
