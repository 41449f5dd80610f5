import { z } from 'zod'
import { type Outcome, ok, reject } from './outcome.js'

// Some SDKs send numeric user ids; Segment stores them as text, and so do we.
const id = z.union([z.string().min(1).max(512), z.number().finite()]).transform(String)
const isoTime = z
  .string()
  .max(64)
  .refine((s) => !Number.isNaN(Date.parse(s)), 'not an ISO 8601 date-time')
// A plain JSON object, taken as it is. checkJsonLimits has already walked it, and
// z.record would copy it key by key: that copy was a third of validation's time.
const object = z.custom<Record<string, unknown>>(
  (value) => value !== null && typeof value === 'object' && !Array.isArray(value),
  'expected an object',
)

const common = {
  messageId: z.string().min(1).max(256).optional(),
  timestamp: isoTime.optional(),
  sentAt: isoTime.optional(),
  originalTimestamp: isoTime.optional(),
  userId: id.nullish(),
  anonymousId: id.nullish(),
  context: object.optional(),
  integrations: object.optional(),
}

const eventSchema = z.discriminatedUnion('type', [
  z.object({
    ...common,
    type: z.literal('track'),
    event: z.string().min(1).max(256),
    properties: object.optional(),
  }),
  z.object({ ...common, type: z.literal('identify'), traits: object.optional() }),
  z.object({ ...common, type: z.literal('group'), groupId: id, traits: object.optional() }),
  z.object({
    ...common,
    type: z.literal('page'),
    name: z.string().max(256).nullish(),
    category: z.string().max(256).nullish(),
    properties: object.optional(),
  }),
  z.object({
    ...common,
    type: z.literal('screen'),
    name: z.string().max(256).nullish(),
    properties: object.optional(),
  }),
  z.object({ ...common, type: z.literal('alias'), previousId: id }),
])

export type TrackingEvent = z.infer<typeof eventSchema>
export type EventType = TrackingEvent['type']
export const eventTypes = ['track', 'identify', 'group', 'page', 'screen', 'alias'] as const

/** Checks one event against the Segment spec; the reason names the offending field. */
export function validateEvent(raw: unknown): Outcome<TrackingEvent> {
  const parsed = eventSchema.safeParse(raw)
  if (!parsed.success) {
    const detail = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`)
      .join('; ')
    return reject('invalid_event', detail)
  }
  const event = parsed.data
  if (!event.userId && !event.anonymousId) {
    return reject('invalid_event', 'userId or anonymousId is required')
  }
  return ok(event)
}
