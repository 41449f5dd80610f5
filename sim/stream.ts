import type { SimEvent } from './event-types.js'
import { generateTenantDay } from './generate.js'
import { createRateLimiter } from './rate-limiter.js'
import type { TrackingClient } from './tracking-client.js'
import type { World } from './world-types.js'

export interface StreamOptions {
  world: World
  client: TrackingClient
  /** Requests in flight at once. */
  concurrency: number
  /** Events per second at most; unset: as fast as the server answers. */
  rate?: number | undefined
  /** Segment's limits: 500 events and 500 KB a batch. */
  maxBatchEvents?: number
  maxBatchBytes?: number
  /** Tenant indexes to send, [from, to); all by default. */
  tenants?: { from: number; to: number }
  onProgress?: (progress: StreamProgress) => void
}

export interface StreamProgress {
  tenantDays: number
  totalTenantDays: number
  events: number
}

export interface StreamResult {
  /** Events acknowledged by the API (stored, or refused and kept with a reason). */
  events: number
  rejected: number
  requests: number
  retries: number
  seconds: number
}

// `{"batch":[` … `],"sentAt":"2025-03-03T00:00:00.000Z"}` with room to spare.
const ENVELOPE_BYTES = 64

/**
 * Replays the world's days in order through the tracking API, as the product's SDKs
 * would have sent them: each day's events, tenant by tenant, in batches. A day is
 * acknowledged in full before the next one starts, so the store fills in day order.
 * Generation waits while `concurrency` requests are out, which bounds memory.
 */
export async function streamWorld(options: StreamOptions): Promise<StreamResult> {
  const { world, client, concurrency } = options
  const maxEvents = options.maxBatchEvents ?? 500
  const maxBytes = (options.maxBatchBytes ?? 500_000) - ENVELOPE_BYTES
  const from = Math.max(0, options.tenants?.from ?? 0)
  const to = Math.min(world.tenants.length, options.tenants?.to ?? world.tenants.length)
  const totalTenantDays = (to - from) * world.days
  const limiter = options.rate === undefined ? undefined : createRateLimiter(options.rate)
  const result: StreamResult = { events: 0, rejected: 0, requests: 0, retries: 0, seconds: 0 }
  const inFlight = new Set<Promise<void>>()
  let failure: unknown
  const started = performance.now()

  const submit = async (batch: string[]) => {
    while (inFlight.size >= concurrency) await Promise.race(inFlight)
    if (failure !== undefined) throw failure
    await limiter?.take(batch.length)
    const sending: Promise<void> = client.send(batch).then(
      (outcome) => {
        result.events += batch.length
        result.rejected += outcome.rejected
        result.requests++
        result.retries += outcome.attempts - 1
      },
      (error: unknown) => {
        failure ??= error
      },
    )
    const tracked = sending.finally(() => inFlight.delete(tracked))
    inFlight.add(tracked)
  }

  let tenantDays = 0
  try {
    for (let day = 0; day < world.days; day++) {
      let batch: string[] = []
      let bytes = 0
      const pending: string[][] = []
      const add = (event: SimEvent) => {
        const json = JSON.stringify(event)
        const size = Buffer.byteLength(json) + 1
        if (batch.length >= maxEvents || (batch.length > 0 && bytes + size > maxBytes)) {
          pending.push(batch)
          batch = []
          bytes = 0
        }
        batch.push(json)
        bytes += size
      }
      for (let i = from; i < to; i++) {
        generateTenantDay(world, i, day, add)
        tenantDays++
        for (const full of pending.splice(0)) await submit(full)
        options.onProgress?.({ tenantDays, totalTenantDays, events: result.events })
      }
      if (batch.length > 0) await submit(batch)
      await Promise.all(inFlight)
      if (failure !== undefined) throw failure
      options.onProgress?.({ tenantDays, totalTenantDays, events: result.events })
    }
  } finally {
    await Promise.all(inFlight)
  }
  result.seconds = (performance.now() - started) / 1000
  return result
}
