import { createHash, timingSafeEqual } from 'node:crypto'

export interface WriteKey {
  /** Not secret: the first hex digits of the hash, stored with each event. */
  id: string
}

export interface WriteKeyStore {
  verify(key: string): Promise<WriteKey | undefined>
}

export const hashSecret = (secret: string): Uint8Array =>
  createHash('sha256').update(secret).digest()

/**
 * Write keys held as SHA-256 hashes. The presented key is hashed and compared with
 * every registered hash in constant time, so neither a lookup nor an early exit tells
 * an attacker how much of a guess was right. Sources are few, so the loop is cheap.
 */
export function createWriteKeyStore(hashes: Iterable<Uint8Array>): WriteKeyStore & {
  add(hash: Uint8Array): void
} {
  const known: Uint8Array[] = [...hashes]
  return {
    add(hash) {
      known.push(hash)
    },
    async verify(key) {
      const presented = hashSecret(key)
      let match: Uint8Array | undefined
      for (const hash of known) if (timingSafeEqual(hash, presented)) match = hash
      return match && { id: Buffer.from(match).toString('hex').slice(0, 12) }
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
