import { z } from 'zod'
import type { WebhookEventType } from '../crm/enqueue-webhooks.js'
import { idText, pageQuery } from './cursor.js'
import { pageOf, timestamp } from './schemas.js'

/** What the CRM notifies; `satisfies` keeps this list in step with crm/enqueue-webhooks.ts. */
export const webhookEventTypes = [
  'lead.opened',
  'lead.updated',
  'alert.opened',
  'task.overdue',
] as const satisfies readonly WebhookEventType[]

export const createWebhookBody = z.object({
  url: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .describe('http(s) endpoint; private and loopback addresses are refused at delivery'),
  eventTypes: z
    .array(z.enum(webhookEventTypes))
    .max(webhookEventTypes.length)
    .default([])
    .describe('the events to receive; empty: all of them'),
})

export const subscriptionSchema = z.object({
  id: idText,
  url: z.string(),
  eventTypes: z.array(z.string()),
  active: z.boolean(),
  createdAt: timestamp,
  disabledAt: timestamp.nullable(),
})

export const createdSubscription = subscriptionSchema.extend({
  secret: z
    .string()
    .describe('whsec_…: the Standard Webhooks signing secret, shown only in this answer'),
})

export const subscriptionList = z.object({ items: z.array(subscriptionSchema) })

export const deliveryStatuses = ['delivered', 'pending', 'failing'] as const

export const deliverySchema = z.object({
  id: idText,
  webhookId: z.string().describe('the webhook-id header, the same on every retry'),
  eventType: z.string(),
  status: z.enum(deliveryStatuses).describe('failing: attempted and not delivered yet'),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  nextAttemptAt: timestamp,
  deliveredAt: timestamp.nullable(),
  createdAt: timestamp,
})

export const deliveriesQuery = z.object({
  status: z.enum(deliveryStatuses).optional(),
  ...pageQuery,
})
export type DeliveriesQuery = z.infer<typeof deliveriesQuery>

export const deliveryPage = pageOf(deliverySchema).describe('deliveries, newest first')
