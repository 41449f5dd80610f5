import { createHmac } from 'node:crypto'
import { lookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'
import type { Db } from '../platform/postgres.js'

export interface DeliveryOptions {
  /** Tests and on-premise set-ups may post to loopback or private addresses. */
  allowPrivate: boolean
  timeoutMs: number
  /** After this many failed attempts an event is given up (about a day of backoff). */
  maxAttempts: number
  batchSize: number
}

export interface DeliverySummary {
  delivered: number
  failed: number
}

interface Due {
  id: string
  url: string
  secret: string
  webhook_id: string
  payload: unknown
  attempts: number
}

/**
 * The notify step: posts due outbox rows, signed per the Standard Webhooks spec. The
 * webhook id is the row's own, so every retry carries the same one and a receiver can
 * drop duplicates. Redirects are not followed (a 3xx is a failure), and addresses that
 * resolve to private, loopback or link-local ranges are refused unless allowed.
 */
export async function deliverWebhooks(
  db: Db,
  options: DeliveryOptions,
  /** Due as of when; default the database's clock, the one next_attempt_at was set by. */
  now?: Date,
): Promise<DeliverySummary> {
  const { rows } = await db.query<Due>(
    `SELECT o.id, s.url, s.secret, o.webhook_id, o.payload, o.attempts
     FROM webhook_outbox o JOIN webhook_subscriptions s ON s.id = o.subscription_id
     WHERE o.delivered_at IS NULL AND o.next_attempt_at <= coalesce($1::timestamptz, clock_timestamp()) AND o.attempts < $2 AND s.active
     ORDER BY o.next_attempt_at, o.id LIMIT $3`,
    [now ?? null, options.maxAttempts, options.batchSize],
  )
  const summary: DeliverySummary = { delivered: 0, failed: 0 }
  for (const row of rows) {
    const error = await post(row, options)
    if (error === undefined) {
      await db.query(
        'UPDATE webhook_outbox SET delivered_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1',
        [row.id],
      )
      summary.delivered++
    } else {
      await db.query(
        `UPDATE webhook_outbox SET attempts = attempts + 1, last_error = $2,
           next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1`,
        [row.id, error.slice(0, 1000), backoffSeconds(row.attempts + 1)],
      )
      summary.failed++
    }
  }
  return summary
}

/** 10 s, 20 s, 40 s, … capped at two hours: fifteen attempts span about a day. */
export const backoffSeconds = (attempt: number) => Math.min(10 * 2 ** (attempt - 1), 7200)

/** Standard Webhooks: v1, base64 HMAC-SHA256 of `id.timestamp.body` with the secret's bytes. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`
}

async function post(row: Due, options: DeliveryOptions): Promise<string | undefined> {
  try {
    const url = new URL(row.url)
    const refused = await refusedAddress(url.hostname, options.allowPrivate)
    if (refused) return refused
    const body = JSON.stringify(row.payload)
    const timestamp = Math.floor(Date.now() / 1000)
    const response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
      headers: {
        'content-type': 'application/json',
        'webhook-id': row.webhook_id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(row.secret, row.webhook_id, timestamp, body),
      },
      body,
    })
    await response.body?.cancel()
    if (response.status >= 200 && response.status < 300) return undefined
    return `HTTP ${response.status}${response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : ''}`
  } catch (error) {
    return (error as Error).message
  }
}

const privateRanges = new BlockList()
for (const [net, prefix] of [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['100.64.0.0', 10],
  ['0.0.0.0', 8],
] as const) {
  privateRanges.addSubnet(net, prefix, 'ipv4')
}
for (const [net, prefix] of [
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['::', 128],
] as const)
  privateRanges.addSubnet(net, prefix, 'ipv6')

/** Why a host may not be posted to, or undefined when it may. */
async function refusedAddress(
  hostname: string,
  allowPrivate: boolean,
): Promise<string | undefined> {
  if (allowPrivate) return undefined
  const host = hostname.replace(/^\[|\]$/g, '')
  const addresses = isIP(host)
    ? [{ address: host, family: isIP(host) }]
    : await lookup(host, { all: true })
  for (const { address, family } of addresses) {
    const mapped = address.startsWith('::ffff:') ? address.slice(7) : address
    if (privateRanges.check(mapped, family === 6 && mapped === address ? 'ipv6' : 'ipv4')) {
      return `refused: ${hostname} resolves to a private or loopback address (${address})`
    }
  }
  return undefined
}
