import http from 'node:http'
import https from 'node:https'

// The side of an SDK that talks to the tracking API: one batch per request, the write
// key as the Basic-auth user, keep-alive connections, and retries that resend the same
// events (same messageIds) after a 503 or 429 (as Retry-After asks), a 5xx, or a lost
// connection, until a bounded number of attempts. Other 4xx answers are final.

export interface TrackingClientOptions {
  /** The service's base URL, e.g. http://127.0.0.1:3000. */
  url: string
  writeKey: string
  /** Connections kept open at most: the stream's concurrency. */
  maxSockets: number
  /** Attempts per batch, the first included. Default 8. */
  maxAttempts?: number
  /** Wait before a retry that no Retry-After sets: doubles per attempt from this. Default 250 ms. */
  backoffMs?: number
  /** A longer Retry-After is cut to this. Default 60 s. */
  maxRetryAfterMs?: number
  /** One request's limit. Default 30 s. */
  timeoutMs?: number
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>
}

export interface SendOutcome {
  /** Events the answer listed as refused (stored in rejected_events). */
  rejected: number
  attempts: number
}

export interface TrackingClient {
  /** Sends events (each already JSON) as one batch; resolves once acknowledged. */
  send(events: readonly string[]): Promise<SendOutcome>
  close(): void
}

export class StreamError extends Error {
  override name = 'StreamError'
}

interface Answer {
  status: number
  retryAfter: string | undefined
  body: string
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export function createTrackingClient(options: TrackingClientOptions): TrackingClient {
  const endpoint = new URL('/v1/batch', options.url)
  const secure = endpoint.protocol === 'https:'
  const agent = new (secure ? https : http).Agent({
    keepAlive: true,
    maxSockets: options.maxSockets,
  })
  const request = secure ? https.request : http.request
  const authorization = `Basic ${Buffer.from(`${options.writeKey}:`).toString('base64')}`
  const maxAttempts = options.maxAttempts ?? 8
  const backoffMs = options.backoffMs ?? 250
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000
  const timeoutMs = options.timeoutMs ?? 30_000
  const sleep = options.sleep ?? sleepFor

  const post = (body: string) =>
    new Promise<Answer>((resolve, reject) => {
      const req = request(
        endpoint,
        {
          method: 'POST',
          agent,
          timeout: timeoutMs,
          headers: {
            authorization,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('error', reject)
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              retryAfter: res.headers['retry-after'],
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          )
        },
      )
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
      req.on('error', reject)
      req.end(body)
    })

  async function send(events: readonly string[]): Promise<SendOutcome> {
    const joined = events.join(',')
    let last = ''
    for (let attempt = 1; ; attempt++) {
      // sentAt is stamped per attempt: it says when this request left, and the server
      // reads the gap to its own clock as skew; a retry's stale sentAt would shift
      // every timestamp of the batch by the time spent waiting.
      const body = `{"batch":[${joined}],"sentAt":"${new Date().toISOString()}"}`
      let wait: number
      try {
        const answer = await post(body)
        if (answer.status === 200) return { rejected: rejectedIn(answer.body), attempts: attempt }
        last = `${answer.status} ${errorCodeIn(answer.body)}`
        const retryable = answer.status === 429 || answer.status >= 500
        if (!retryable) throw new StreamError(`the tracking API refused a batch: ${last}`)
        wait = retryAfterMs(answer.retryAfter) ?? backoffMs * 2 ** (attempt - 1)
      } catch (error) {
        if (error instanceof StreamError) throw error
        last = (error as Error).message
        wait = backoffMs * 2 ** (attempt - 1)
      }
      if (attempt >= maxAttempts) {
        throw new StreamError(
          `gave up on a batch of ${events.length} events after ${attempt} attempts to ${endpoint.href}; last: ${last}`,
        )
      }
      await sleep(Math.min(wait, maxRetryAfterMs))
    }
  }

  return { send, close: () => agent.destroy() }
}

/** Retry-After as delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  if (header === undefined || header.trim() === '') return undefined
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000
  const date = Date.parse(header)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

function rejectedIn(body: string): number {
  try {
    const answer = JSON.parse(body) as { rejected?: unknown[] }
    return Array.isArray(answer.rejected) ? answer.rejected.length : 0
  } catch {
    return 0
  }
}

function errorCodeIn(body: string): string {
  try {
    const answer = JSON.parse(body) as { error?: { code?: string; message?: string } }
    return [answer.error?.code, answer.error?.message].filter(Boolean).join(': ')
  } catch {
    return body.slice(0, 200)
  }
}
