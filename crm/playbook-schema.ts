import { z } from 'zod'

/**
 * A playbook: a trigger and the tasks it creates, as data (crm/README.md, "Playbooks").
 * Validated like a rule: a bad document is an expected outcome, with each issue at
 * its field path.
 */
export const taskTypes = ['call', 'meeting', 'training', 'email', 'feedback', 'other'] as const
export type TaskType = (typeof taskTypes)[number]

const slug = /^[a-z0-9]+(?:-[a-z0-9]+)*$/
const slugText = z.string().max(64).regex(slug, 'must be a slug: lower case, digits and dashes')

/**
 * Who gets a task: the account's CSM or owner, the lead's owner, or the active user of
 * a team (a role) with the fewest open tasks.
 */
const assignee = z.union(
  [
    z.enum(['account_csm', 'account_owner', 'lead_owner']),
    z.strictObject({ roundRobin: z.enum(['csm', 'sales']) }),
  ],
  {
    error:
      'must be "account_csm", "account_owner", "lead_owner" or { "roundRobin": "csm" | "sales" }',
  },
)
export type AssigneeRule = z.infer<typeof assignee>

const leadSources = z
  .array(z.enum(['abm', 'mql']))
  .min(1)
  .optional()

const trigger = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('alert_opened'),
    rules: z.array(slugText).min(1).optional(),
    severities: z
      .array(z.enum(['low', 'medium', 'high', 'critical']))
      .min(1)
      .optional(),
  }),
  z.strictObject({ type: z.literal('lead_opened'), sources: leadSources }),
  z.strictObject({ type: z.literal('lead_converted'), sources: leadSources }),
  z.strictObject({
    type: z.literal('became_customer'),
    // The stage it came from; unset: any move into customer, also an account first
    // seen on a paid plan.
    from: z
      .array(z.enum(['prospect', 'lead', 'opportunity', 'churned']))
      .min(1)
      .optional(),
  }),
  z.strictObject({ type: z.literal('renewal_due'), daysBefore: z.int().min(1).max(365) }),
  z.strictObject({
    type: z.literal('cadence'),
    everyDays: z.int().min(1).max(365),
    // The period counts from the last completed task of this type on the account.
    taskType: z.enum(taskTypes),
  }),
])
export type PlaybookTrigger = z.infer<typeof trigger>
export type TriggerType = PlaybookTrigger['type']

const template = z.strictObject({
  key: slugText,
  title: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  type: z.enum(taskTypes),
  /** Due this many days after the trigger (the alert opened, the period began, …). */
  dueInDays: z.int().min(0).max(365),
  assignee,
})
export type TaskTemplate = z.infer<typeof template>

const placeholder = /\{([^{}]*)\}/g

/** The placeholders a task title may use, by trigger. */
export function titlePlaceholders(type: TriggerType): string[] {
  const common = ['account', 'tenantId']
  if (type === 'alert_opened') return [...common, 'alertTitle', 'severity']
  if (type === 'renewal_due') return [...common, 'renewalDate']
  return common
}

const leadTriggers: readonly TriggerType[] = ['lead_opened', 'lead_converted']

export const playbookSchema = z
  .strictObject({
    id: slugText,
    name: z.string().min(1).max(120),
    description: z.string().max(2000).default(''),
    trigger,
    // Which accounts, in the customer's own plan names (any case) and MRR range.
    segment: z
      .strictObject({
        plans: z.array(z.string().trim().min(1).max(100)).min(1).optional(),
        minMrr: z.number().min(0).optional(),
        maxMrr: z.number().min(0).optional(),
      })
      .optional(),
    // Triggers older than this are left alone: a new playbook does not bury the team in
    // tasks for last year's alerts. Renewals and cadences have their own clock.
    lookbackDays: z.int().min(1).max(365).default(7),
    requireTasksDoneToResolve: z.boolean().default(false),
    tasks: z.array(template).min(1).max(20),
  })
  .superRefine((playbook, ctx) => {
    const issue = (path: Array<string | number>, message: string) =>
      ctx.addIssue({ code: 'custom', path, message })
    const type = playbook.trigger.type
    const seen = new Set<string>()
    for (const [i, task] of playbook.tasks.entries()) {
      if (seen.has(task.key))
        issue(['tasks', i, 'key'], `task key "${task.key}" is used twice in this playbook`)
      seen.add(task.key)
      if (task.assignee === 'lead_owner' && !leadTriggers.includes(type))
        issue(['tasks', i, 'assignee'], `lead_owner needs a lead trigger; this one is ${type}`)
      const known = titlePlaceholders(type)
      for (const [, name = ''] of task.title.matchAll(placeholder)) {
        if (!known.includes(name))
          issue(['tasks', i, 'title'], `unknown placeholder {${name}}; known: ${known.join(', ')}`)
      }
    }
    if (playbook.requireTasksDoneToResolve && type !== 'alert_opened')
      issue(['requireTasksDoneToResolve'], 'only an alert_opened playbook has an alert to resolve')
    if (playbook.trigger.type === 'cadence') {
      const taskType = playbook.trigger.taskType
      if (!playbook.tasks.some((task) => task.type === taskType))
        issue(
          ['trigger', 'taskType'],
          `the cadence counts from the last completed ${taskType} task, but the playbook creates none`,
        )
    }
    const { minMrr, maxMrr } = playbook.segment ?? {}
    if (minMrr !== undefined && maxMrr !== undefined && minMrr > maxMrr)
      issue(['segment', 'maxMrr'], 'must not be below minMrr')
  })

export type Playbook = z.output<typeof playbookSchema>

export interface PlaybookIssue {
  /** Where in the document, e.g. `tasks.0.assignee`. */
  path: string
  message: string
}

export type PlaybookParseResult =
  | { ok: true; playbook: Playbook }
  | { ok: false; issues: PlaybookIssue[] }

export function parsePlaybook(input: unknown): PlaybookParseResult {
  const result = playbookSchema.safeParse(input)
  if (result.success) return { ok: true, playbook: result.data }
  return {
    ok: false,
    issues: result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    })),
  }
}

export function formatPlaybookIssues(issues: readonly PlaybookIssue[]): string {
  return issues.map((i) => `${i.path || '(playbook)'}: ${i.message}`).join('\n')
}

/** A task title with its placeholders filled; validation has kept to known names. */
export function renderTitle(title: string, values: Record<string, string | undefined>): string {
  return title.replace(placeholder, (whole, name: string) => values[name] ?? whole)
}
