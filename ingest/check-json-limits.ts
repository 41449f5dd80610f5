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
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }]
  let keys = 0
  let size = 0
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!
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
      size += typeof current === 'number' ? String(current).length : 5
      continue
    }
    size += 2
    if (depth > limits.maxDepth) {
      return reject('too_deep', `the event nests deeper than ${limits.maxDepth} levels`)
    }
    if (Array.isArray(current)) {
      keys += current.length
      for (const item of current) stack.push({ value: item, depth: depth + 1 })
    } else {
      for (const key in current) {
        if (forbiddenKeys.has(key))
          return reject('forbidden_key', `the key "${key}" is not allowed`)
        if (key.length > limits.maxStringBytes) {
          return reject('string_too_long', `a key is longer than ${limits.maxStringBytes} bytes`)
        }
        keys++
        size += key.length + 2
        stack.push({ value: (current as Record<string, unknown>)[key], depth: depth + 1 })
      }
    }
    if (keys > limits.maxKeys) {
      return reject('too_many_keys', `the event has more than ${limits.maxKeys} keys and items`)
    }
  }
  return ok({ approxBytes: size })
}
