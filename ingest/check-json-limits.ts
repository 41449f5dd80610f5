import { type Outcome, ok, reject } from './outcome.js'

export interface JsonLimits {
  maxDepth: number
  maxKeys: number
  maxStringBytes: number
}

// JSON.parse creates these as plain own properties, but any later spread, merge or
// lookup through a prototype chain would turn them into prototype pollution.
const forbiddenKeys = new Set(['__proto__', 'constructor', 'prototype'])

/**
 * Walks an event without recursion (a 100,000-deep array must not overflow the stack)
 * and stops at the first limit it meets. A value that passes can be serialised again,
 * which the insert needs: one unserialisable event would fail the whole group commit.
 *
 * On the way it counts the event's JSON size in UTF-16 units, without serialising it:
 * the UTF-8 size is at least that and at most three times as much (escapes aside),
 * which lets the caller skip the exact count for all but unusually large events.
 */
export function checkJsonLimits(
  value: unknown,
  limits: JsonLimits,
): Outcome<{ approxBytes: number }> {
  const outcome = walk(value, limits)
  // The stacks are the module's, reused by every call: let go of this event's values.
  values.length = 0
  depths.length = 0
  return outcome
}

// Two parallel stacks instead of one of {value, depth} pairs: every JSON value of
// every event passes through here, and a pair object each was a steady share of the
// young-generation garbage in bench:ingest.
const values: unknown[] = []
const depths: number[] = []

function walk(value: unknown, limits: JsonLimits): Outcome<{ approxBytes: number }> {
  values.push(value)
  depths.push(1)
  let keys = 0
  let size = 0
  while (values.length > 0) {
    const current = values.pop()
    const depth = depths.pop()!
    // The separator before the value (a comma or a colon); the first one is one too many.
    size += 1
    if (typeof current === 'string') {
      size += current.length + 2
      // A JS string's length is at most its UTF-8 byte length, so only long ones pay for
      // the exact count.
      if (
        current.length * 3 > limits.maxStringBytes &&
        Buffer.byteLength(current) > limits.maxStringBytes
      ) {
        return reject('string_too_long', `a string is longer than ${limits.maxStringBytes} bytes`)
      }
      continue
    }
    if (current === null || typeof current !== 'object') {
      size += typeof current === 'number' ? numberLength(current) : 5
      continue
    }
    size += 2
    if (depth > limits.maxDepth) {
      return reject('too_deep', `the event nests deeper than ${limits.maxDepth} levels`)
    }
    if (Array.isArray(current)) {
      keys += current.length
      for (const item of current) {
        values.push(item)
        depths.push(depth + 1)
      }
    } else {
      for (const key in current) {
        if (forbiddenKeys.has(key))
          return reject('forbidden_key', `the key "${key}" is not allowed`)
        if (key.length > limits.maxStringBytes) {
          return reject('string_too_long', `a key is longer than ${limits.maxStringBytes} bytes`)
        }
        keys++
        size += key.length + 2
        values.push((current as Record<string, unknown>)[key])
        depths.push(depth + 1)
      }
    }
    if (keys > limits.maxKeys) {
      return reject('too_many_keys', `the event has more than ${limits.maxKeys} keys and items`)
    }
  }
  return ok({ approxBytes: size })
}

// The length of a number's JSON text without making the text: exact for the small
// integers events are full of, else the longest a number can take (-1.2345678901234567e-308
// and the like), which only overstates the estimate, so at worst costs an exact count.
function numberLength(n: number): number {
  if (Number.isInteger(n) && n > -1e9 && n < 1e9) {
    let digits = n < 0 ? 2 : 1
    for (let rest = Math.abs(n); rest >= 10; rest = Math.floor(rest / 10)) digits++
    return digits
  }
  return 25
}
