import { z } from 'zod'
import { type Outcome, ok, reject } from './outcome.js'
import { parseTime } from './parse-time.js'

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

/**
 * The Segment event as this service takes it: the specification. readEvent below is
 * the same rules written out by hand for the events that pass; a test holds the two
 * to the same answers.
 */
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

/**
 * Checks one event against the Segment spec; the reason names the offending field.
 * The hand-written check answers for the events that pass, at a fraction of the
 * schema's cost per event (bench:ingest); an event it refuses goes through the schema,
 * whose verdict and wording are the answer.
 */
export function validateEvent(raw: unknown): Outcome<TrackingEvent> {
  return requireActor(readEvent(raw) ?? validateWithSchema(raw))
}

/** The same verdict by the schema alone. */
export function validateEventWithSchema(raw: unknown): Outcome<TrackingEvent> {
  return requireActor(validateWithSchema(raw))
}

function validateWithSchema(raw: unknown): Outcome<TrackingEvent> {
  const parsed = eventSchema.safeParse(raw)
  if (parsed.success) return ok(parsed.data)
  const detail = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`)
    .join('; ')
  return reject('invalid_event', detail)
}

function requireActor(outcome: Outcome<TrackingEvent>): Outcome<TrackingEvent> {
  if (outcome.ok && !outcome.value.userId && !outcome.value.anonymousId) {
    return reject('invalid_event', 'userId or anonymousId is required')
  }
  return outcome
}

type Fields = Record<string, unknown>

const isObject = (value: unknown): value is Fields =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
const isText = (value: unknown, min: number, max: number): value is string =>
  typeof value === 'string' && value.length >= min && value.length <= max
const isId = (value: unknown): value is string | number =>
  isText(value, 1, 512) || (typeof value === 'number' && Number.isFinite(value))
const isTime = (value: unknown) => isText(value, 0, 64) && !Number.isNaN(parseTime(value))
const optionalText = (value: unknown, min: number, max: number) =>
  value === undefined || isText(value, min, max)
const optionalTime = (value: unknown) => value === undefined || isTime(value)
const optionalObject = (value: unknown) => value === undefined || isObject(value)
const nullishText = (value: unknown) =>
  value === undefined || value === null || isText(value, 0, 256)
const nullishId = (value: unknown) => value === undefined || value === null || isId(value)
const idText = (value: unknown) => (typeof value === 'number' ? String(value) : value)

/**
 * The event as the schema would return it, or undefined where the schema might object.
 * Written out field by field, each read by name: a table of checks read with computed
 * keys was three times slower inside the server than alone (megamorphic loads).
 *
 * Like zod, the output has only the schema's fields, in the schema's order (a derived
 * messageId hashes the event's JSON text, so the order is part of the result), and a
 * field only if the input has it.
 */
function readEvent(raw: unknown): Outcome<TrackingEvent> | undefined {
  if (!isObject(raw)) return undefined
  const { type, messageId, timestamp, sentAt, originalTimestamp, userId, anonymousId } = raw
  const { context, integrations } = raw
  if (
    !optionalText(messageId, 1, 256) ||
    !optionalTime(timestamp) ||
    !optionalTime(sentAt) ||
    !optionalTime(originalTimestamp) ||
    !nullishId(userId) ||
    !nullishId(anonymousId) ||
    !optionalObject(context) ||
    !optionalObject(integrations)
  )
    return undefined
  const out: Fields = {}
  if (messageId !== undefined || 'messageId' in raw) out.messageId = messageId
  if (timestamp !== undefined || 'timestamp' in raw) out.timestamp = timestamp
  if (sentAt !== undefined || 'sentAt' in raw) out.sentAt = sentAt
  if (originalTimestamp !== undefined || 'originalTimestamp' in raw)
    out.originalTimestamp = originalTimestamp
  if (userId !== undefined || 'userId' in raw) out.userId = idText(userId)
  if (anonymousId !== undefined || 'anonymousId' in raw) out.anonymousId = idText(anonymousId)
  if (context !== undefined || 'context' in raw) out.context = context
  if (integrations !== undefined || 'integrations' in raw) out.integrations = integrations
  out.type = type
  switch (type) {
    case 'track': {
      const { event, properties } = raw
      if (!isText(event, 1, 256) || !optionalObject(properties)) return undefined
      out.event = event
      if (properties !== undefined || 'properties' in raw) out.properties = properties
      break
    }
    case 'identify':
    case 'group': {
      const { groupId, traits } = raw
      if (type === 'group') {
        if (!isId(groupId)) return undefined
        out.groupId = idText(groupId)
      }
      if (!optionalObject(traits)) return undefined
      if (traits !== undefined || 'traits' in raw) out.traits = traits
      break
    }
    case 'page':
    case 'screen': {
      const { name, category, properties } = raw
      if (!nullishText(name) || !optionalObject(properties)) return undefined
      if (name !== undefined || 'name' in raw) out.name = name
      if (type === 'page') {
        if (!nullishText(category)) return undefined
        if (category !== undefined || 'category' in raw) out.category = category
      }
      if (properties !== undefined || 'properties' in raw) out.properties = properties
      break
    }
    case 'alias': {
      const { previousId } = raw
      if (!isId(previousId)) return undefined
      out.previousId = idText(previousId)
      break
    }
    default:
      return undefined
  }
  return ok(out as TrackingEvent)
}
