import { findApiKey } from '../api/api-keys.js'
import type { Queryable } from '../platform/postgres.js'

export interface WriteKey {
  /** Not secret: the key's id in api_keys, stored with each event as write_key_id. */
  id: string
}

export interface WriteKeyStore {
  verify(key: string): Promise<WriteKey | undefined>
}

/**
 * Write keys are API keys with the role `write`, kept hashed in the CRM store's
 * api_keys and compared in constant time (findApiKey). A key that passed is remembered
 * for a short while, so the tracking API's hot path does not query Postgres on every
 * request; a revoked key stops working within that time.
 */
export function createWriteKeyStore(
  db: Queryable,
  options: { cacheMs: number } = { cacheMs: 30_000 },
): WriteKeyStore {
  const known = new Map<string, { id: string; until: number }>()
  return {
    async verify(key) {
      const now = Date.now()
      const cached = known.get(key)
      if (cached && cached.until > now) return { id: cached.id }
      const found = await findApiKey(db, key)
      if (found?.role !== 'write') {
        known.delete(key)
        return undefined
      }
      // Bounded: the keys of a few sources, not one entry per guess.
      if (known.size > 1000) known.clear()
      known.set(key, { id: `key-${found.id}`, until: now + options.cacheMs })
      return { id: `key-${found.id}` }
    },
  }
}

/** The write key of a Segment request: the Basic-auth user name, else `writeKey` in the body. */
export function writeKeyOf(authorization: string | undefined, body: unknown): string | undefined {
  if (authorization?.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8')
    const user = decoded.split(':')[0]
    if (user) return user
  }
  if (body !== null && typeof body === 'object') {
    const key = (body as { writeKey?: unknown }).writeKey
    if (typeof key === 'string' && key !== '') return key
  }
  return undefined
}
