import { z } from 'zod'
import { idText, pageQuery } from './cursor.js'
import { pageOf, timestamp } from './schemas.js'

export const leadStatuses = ['open', 'working', 'converted', 'disqualified'] as const

export const leadSchema = z.object({
  id: idText,
  tenantId: z.string(),
  accountName: z.string(),
  lifecycle: z.enum(['prospect', 'lead', 'opportunity', 'customer', 'churned']),
  source: z.enum(['abm', 'mql']),
  status: z.enum(leadStatuses),
  score: z.number().int(),
  intentTags: z.array(z.string()).describe('paid modules the account shows intent for'),
  ownerId: idText.nullable(),
  note: z.string().nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
  closedAt: timestamp.nullable(),
})
export type Lead = z.infer<typeof leadSchema>

export const listLeadsQuery = z.object({
  status: z.enum(leadStatuses).optional(),
  source: z.enum(['abm', 'mql']).optional(),
  owner: idText.optional().describe('owner user id'),
  module: z.string().min(1).max(64).optional().describe('an intent tag'),
  minScore: z.coerce.number().int().min(0).optional(),
  ...pageQuery,
})
export type ListLeadsQuery = z.infer<typeof listLeadsQuery>

export const leadPage = pageOf(leadSchema).describe('leads by score, highest first, then id')

const note = z.string().max(2000)

export const createLeadBody = z.object({
  tenantId: z.string().min(1).max(200),
  score: z.number().int().min(0).max(1_000_000).optional(),
  intentTags: z.array(z.string().min(1).max(64)).max(32).optional(),
  ownerId: idText.optional(),
  note: note.optional(),
})
export type CreateLeadBody = z.infer<typeof createLeadBody>

const lifecycleMove = z.object({ from: z.string(), to: z.string() })

export const createdLead = z.object({ lead: leadSchema, lifecycle: lifecycleMove })

export const updateLeadBody = z
  .object({
    status: z
      .enum(['working', 'disqualified'])
      .optional()
      .describe(
        'working: a rep took it; disqualified: closes it, the account goes back to prospect',
      ),
    ownerId: idText.nullable().optional(),
    note: note.nullable().optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    message: 'give at least one of status, ownerId, note',
  })
export type UpdateLeadBody = z.infer<typeof updateLeadBody>

export const updatedLead = z.object({
  lead: leadSchema,
  lifecycle: lifecycleMove.nullable().describe('the account moved, when the lead was disqualified'),
})

export const convertLeadBody = z
  .object({
    amount: z
      .string()
      .regex(/^\d{1,12}(\.\d{1,2})?$/, 'a decimal amount')
      .optional()
      .describe("the opportunity's expected amount"),
  })
  // No body at all arrives as null.
  .nullish()
export type ConvertLeadBody = z.infer<typeof convertLeadBody>

export const convertedLead = z.object({
  lead: leadSchema,
  opportunity: z.object({
    id: idText,
    kind: z.string(),
    stage: z.string(),
    status: z.string(),
    amount: z.string().nullable(),
  }),
  lifecycle: lifecycleMove,
})
