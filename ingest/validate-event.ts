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
const isId = (value: unknown) =>
  isText(value, 1, 512) || (typeof value === 'number' && Number.isFinite(value))
const isTime = (value: unknown) => isText(value, 0, 64) && !Number.isNaN(parseTime(value))

// What a check says of a field: absent (undefined), or present and valid or not. The
// output copies a field only if the input has it, as zod does, and in the schema's
// order: a derived messageId hashes the event's JSON text, keys in that order.
const BAD = Symbol('bad')
type Check = (value: unknown) => unknown

const optional =
  (valid: (value: unknown) => boolean): Check =>
  (value) =>
    value === undefined || valid(value) ? value : BAD
const nullish =
  (valid: (value: unknown) => boolean): Check =>
  (value) =>
    value === undefined || value === null || valid(value) ? value : BAD
const anId: Check = (value) => (isId(value) ? String(value) : BAD)
const nullishId: Check = (value) =>
  value === undefined || value === null ? value : isId(value) ? String(value) : BAD
const anObject = optional(isObject)

const commonChecks: Array<[string, Check]> = [
  ['messageId', optional((v) => isText(v, 1, 256))],
  ['timestamp', optional(isTime)],
  ['sentAt', optional(isTime)],
  ['originalTimestamp', optional(isTime)],
  ['userId', nullishId],
  ['anonymousId', nullishId],
  ['context', anObject],
  ['integrations', anObject],
]
const name = nullish((v) => isText(v, 0, 256))
// A Map, not an object literal: a type of "constructor" must find nothing.
const checksByType = new Map<string, Array<[string, Check]>>([
  [
    'track',
    [
      ['event', (v) => (isText(v, 1, 256) ? v : BAD)],
      ['properties', anObject],
    ],
  ],
  ['identify', [['traits', anObject]]],
  [
    'group',
    [
      ['groupId', anId],
      ['traits', anObject],
    ],
  ],
  [
    'page',
    [
      ['name', name],
      ['category', name],
      ['properties', anObject],
    ],
  ],
  [
    'screen',
    [
      ['name', name],
      ['properties', anObject],
    ],
  ],
  ['alias', [['previousId', anId]]],
])

/** The event as the schema would return it, or undefined where the schema might object. */
function readEvent(raw: unknown): Outcome<TrackingEvent> | undefined {
  if (!isObject(raw)) return undefined
  const type = raw.type
  const own = typeof type === 'string' ? checksByType.get(type) : undefined
  if (own === undefined) return undefined
  const out: Fields = {}
  if (!copy(raw, out, commonChecks)) return undefined
  out.type = type
  if (!copy(raw, out, own)) return undefined
  return ok(out as TrackingEvent)
}

function copy(raw: Fields, out: Fields, checks: Array<[string, Check]>): boolean {
  for (const [key, check] of checks) {
    const value = raw[key]
    const checked = check(value)
    if (checked === BAD) return false
    if (checked !== undefined || key in raw) out[key] = checked
  }
  return true
}
