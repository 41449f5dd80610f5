import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createTrackingClient, retryAfterMs, StreamError } from './tracking-client.js'

interface Seen {
  auth: string | undefined
  body: { batch: Array<{ messageId: string }>; sentAt: string }
}

/** A stand-in tracking API that answers from a script, one answer per request. */
async function fakeApi(answers: Array<{ status: number; headers?: Record<string, string> }>) {
  const seen: Seen[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      seen.push({
        auth: req.headers.authorization,
        body: JSON.parse(Buffer.concat(chunks).toString()),
      })
      const answer = answers[Math.min(seen.length - 1, answers.length - 1)]!
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
      res.end(
        answer.status === 200
          ? '{"success":true}'
          : `{"error":{"code":"X_${answer.status}","message":"scripted"}}`,
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

const events = ['{"type":"track","messageId":"m1"}', '{"type":"track","messageId":"m2"}']

describe('when the API answers 503 with Retry-After, then 200', () => {
  it('waits as asked and resends the same events with a fresh sentAt', async () => {
    const api = await fakeApi([
      { status: 503, headers: { 'retry-after': '2' } },
      { status: 429, headers: { 'retry-after': '1' } },
      { status: 200 },
    ])
    const waits: number[] = []
    const client = createTrackingClient({
      url: api.url,
      writeKey: 'wk_test_key',
      maxSockets: 2,
      sleep: async (ms) => {
        waits.push(ms)
        await new Promise((r) => setTimeout(r, 5))
      },
    })
    onTestFinished(() => client.close())
    const outcome = await client.send(events)
    expect(outcome.attempts).toBe(3)
    expect(waits).toEqual([2000, 1000])
    const ids = api.seen.map((s) => s.body.batch.map((e) => e.messageId).join(','))
    expect(ids).toEqual(['m1,m2', 'm1,m2', 'm1,m2'])
    expect(new Set(api.seen.map((s) => s.body.sentAt)).size).toBe(3)
    expect(api.seen[0]!.auth).toBe(`Basic ${Buffer.from('wk_test_key:').toString('base64')}`)
  })
})

describe('when the API keeps answering 503', () => {
  it('gives up after the bounded number of attempts with the last answer', async () => {
    const api = await fakeApi([{ status: 503 }])
    const client = createTrackingClient({
      url: api.url,
      writeKey: 'k',
      maxSockets: 1,
      maxAttempts: 3,
      sleep: async () => {},
    })
    onTestFinished(() => client.close())
    const error = await client.send(events).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StreamError)
    expect((error as Error).message).toMatch(/after 3 attempts.*503 X_503: scripted/)
    expect(api.seen).toHaveLength(3)
  })
})

describe('when the API refuses the batch with a 4xx other than 429', () => {
  it('stops at once, since no retry can fix it', async () => {
    const api = await fakeApi([{ status: 401 }])
    const client = createTrackingClient({ url: api.url, writeKey: 'k', maxSockets: 1 })
    onTestFinished(() => client.close())
    await expect(client.send(events)).rejects.toThrow(/refused a batch: 401 X_401/)
    expect(api.seen).toHaveLength(1)
  })
})

describe('when nothing listens at the URL', () => {
  it('retries the connection with backoff, then reports it', async () => {
    const waits: number[] = []
    const client = createTrackingClient({
      url: 'http://127.0.0.1:1',
      writeKey: 'k',
      maxSockets: 1,
      maxAttempts: 3,
      backoffMs: 100,
      sleep: async (ms) => {
        waits.push(ms)
      },
    })
    onTestFinished(() => client.close())
    await expect(client.send(events)).rejects.toThrow(/after 3 attempts.*ECONNREFUSED/)
    expect(waits).toEqual([100, 200])
  })
})

describe('when Retry-After is given', () => {
  it('reads seconds and HTTP dates, and ignores what it cannot read', () => {
    const now = Date.parse('2025-03-03T00:00:00Z')
    expect(retryAfterMs('5', now)).toBe(5000)
    expect(retryAfterMs('Mon, 03 Mar 2025 00:00:03 GMT', now)).toBe(3000)
    expect(retryAfterMs('soon', now)).toBeUndefined()
    expect(retryAfterMs(undefined, now)).toBeUndefined()
  })
})
