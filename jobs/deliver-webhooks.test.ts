import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { enqueueWebhooks } from '../crm/enqueue-webhooks.js'
import type { Db } from '../platform/postgres.js'
import { useTestPostgres } from '../test/postgres.js'
import { deliverWebhooks } from './deliver-webhooks.js'

let db: Db
beforeAll(async () => {
  db = await useTestPostgres()
})

const secret = `whsec_${Buffer.from('a shared secret of thirty-two b!').toString('base64')}`
const options = { allowPrivate: true, timeoutMs: 2000, maxAttempts: 15, batchSize: 100 }

/** A receiver on loopback that verifies every delivery with the reference library. */
async function receiver(answer: (attempt: number) => number) {
  const seen: Array<{ id: string; verified: unknown }> = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      const headers = req.headers as Record<string, string>
      seen.push({ id: headers['webhook-id']!, verified: new Webhook(secret).verify(body, headers) })
      res
        .writeHead(
          answer(seen.length),
          answer(seen.length) === 302 ? { location: 'http://example.com/' } : {},
        )
        .end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`
  // One listener at a time: what an earlier test left due must not count here.
  await db.query('UPDATE webhook_subscriptions SET active = false')
  await db.query('UPDATE webhook_outbox SET delivered_at = now() WHERE delivered_at IS NULL')
  const sub = await db.query<{ id: string }>(
    'INSERT INTO webhook_subscriptions (url, secret) VALUES ($1, $2) RETURNING id',
    [url, secret],
  )
  onTestFinished(async () => {
    await db.query('UPDATE webhook_subscriptions SET active = false WHERE id = $1', [
      sub.rows[0]!.id,
    ])
  })
  return { seen, url }
}

const outbox = async () =>
  (
    await db.query<{ attempts: number; delivered_at: Date | null; last_error: string | null }>(
      'SELECT attempts, delivered_at, last_error FROM webhook_outbox ORDER BY id DESC LIMIT 1',
    )
  ).rows[0]!

describe('when an alert is opened and a subscriber listens', () => {
  it('posts it signed per Standard Webhooks, and the receiver verifies the signature', async () => {
    const { seen } = await receiver(() => 204)
    await db.transaction((tx) =>
      enqueueWebhooks(tx, 'alert.opened', { alertId: '7', tenantId: 'acme' }),
    )
    expect(await deliverWebhooks(db, options)).toEqual({ delivered: 1, failed: 0 })
    expect(seen).toHaveLength(1)
    expect(seen[0]!.verified).toMatchObject({
      type: 'alert.opened',
      data: { alertId: '7', tenantId: 'acme' },
    })
    expect(await outbox()).toMatchObject({ attempts: 1, last_error: null })
  })
})

describe('when the subscriber fails', () => {
  it('retries later with the same webhook id, and records the failure until it succeeds', async () => {
    const { seen } = await receiver((attempt) => (attempt === 1 ? 500 : 200))
    await db.transaction((tx) => enqueueWebhooks(tx, 'alert.opened', { alertId: '8' }))
    expect(await deliverWebhooks(db, options)).toEqual({ delivered: 0, failed: 1 })
    expect(await outbox()).toMatchObject({
      attempts: 1,
      delivered_at: null,
      last_error: 'HTTP 500',
    })
    // Not due yet: the backoff holds it back.
    expect(await deliverWebhooks(db, options)).toEqual({ delivered: 0, failed: 0 })
    expect(await deliverWebhooks(db, options, new Date(Date.now() + 11_000))).toEqual({
      delivered: 1,
      failed: 0,
    })
    expect(seen.map((s) => s.id)).toEqual([seen[0]!.id, seen[0]!.id])
  })

  it('does not follow a redirect', async () => {
    const { seen } = await receiver(() => 302)
    await db.transaction((tx) => enqueueWebhooks(tx, 'lead.opened', { leadId: '1' }))
    expect(await deliverWebhooks(db, options)).toEqual({ delivered: 0, failed: 1 })
    expect(seen).toHaveLength(1)
    expect((await outbox()).last_error).toContain('redirects are not followed')
  })
})

describe('when a subscription points at a loopback address and private targets are not allowed', () => {
  it('refuses to post and says why', async () => {
    const { seen } = await receiver(() => 200)
    await db.transaction((tx) => enqueueWebhooks(tx, 'lead.opened', { leadId: '2' }))
    expect(await deliverWebhooks(db, { ...options, allowPrivate: false })).toEqual({
      delivered: 0,
      failed: 1,
    })
    expect(seen).toHaveLength(0)
    expect((await outbox()).last_error).toMatch(
      /^refused: 127\.0\.0\.1 resolves to a private or loopback address/,
    )
  })
})
