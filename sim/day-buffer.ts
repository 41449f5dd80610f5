import type { GroupTraits, IdentifyEvent, SimEvent } from './event-types.js'

// Collects one tenant's events of one day, then hands them out in time order with
// their message ids and timestamps. Ids are numbered after sorting, so they read in
// the order an SDK would have sent them.

const pad2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'))
const pad3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'))
const LAST_MS = 86_399_999
// Sort keys pack (time, arrival) into one float: 2^27 ms a day times 2^25 events stays
// below 2^53, so a plain numeric sort of a Float64Array orders both, stably.
const INDEX_BITS = 33_554_432
const MAX_EVENTS = INDEX_BITS - 1

/** `hh:mm:ss.mmmZ` for a time of day in ms. */
export function clockOf(ms: number): string {
  const h = Math.floor(ms / 3_600_000)
  const m = Math.floor(ms / 60_000) % 60
  const s = Math.floor(ms / 1000) % 60
  return `${pad2[h]}:${pad2[m]}:${pad2[s]}.${pad3[ms % 1000]}Z`
}

export class DayBuffer {
  private readonly events: SimEvent[] = []
  private readonly times: number[] = []

  constructor(
    private readonly groupId: string,
    private readonly day: number,
    private readonly datePrefix: string,
  ) {}

  get size(): number {
    return this.events.length
  }

  private push(ms: number, event: SimEvent): void {
    if (this.events.length >= MAX_EVENTS)
      throw new RangeError(`over ${MAX_EVENTS} events in a tenant-day`)
    this.events.push(event)
    this.times.push(Math.min(LAST_MS, Math.max(0, Math.floor(ms))))
  }

  /** The ISO timestamp of a time of day, for traits that carry one. */
  isoAt(ms: number): string {
    return this.datePrefix + clockOf(Math.min(LAST_MS, Math.max(0, Math.floor(ms))))
  }

  track(ms: number, userId: string, event: string, properties: Record<string, unknown>): void {
    this.push(ms, {
      type: 'track',
      messageId: '',
      timestamp: '',
      userId,
      event,
      properties,
      context: { groupId: this.groupId },
    })
  }

  page(ms: number, userId: string, name: string, path: string): void {
    this.push(ms, {
      type: 'page',
      messageId: '',
      timestamp: '',
      userId,
      name,
      properties: { path },
      context: { groupId: this.groupId, page: { path } },
    })
  }

  identify(ms: number, userId: string, traits: IdentifyEvent['traits']): void {
    this.push(ms, {
      type: 'identify',
      messageId: '',
      timestamp: '',
      userId,
      traits,
      context: { groupId: this.groupId },
    })
  }

  group(ms: number, userId: string, traits: GroupTraits): void {
    this.push(ms, {
      type: 'group',
      messageId: '',
      timestamp: '',
      userId,
      groupId: this.groupId,
      traits,
    })
  }

  /** Emits everything in time order and empties nothing: a buffer serves one tenant-day. */
  flush(emit: (event: SimEvent) => void): void {
    const n = this.events.length
    const keys = new Float64Array(n)
    for (let i = 0; i < n; i++) keys[i] = this.times[i]! * INDEX_BITS + i
    keys.sort()
    const idPrefix = `m_${this.groupId}_${this.day}_`
    for (let rank = 0; rank < n; rank++) {
      const key = keys[rank]!
      const i = key % INDEX_BITS
      const event = this.events[i]!
      event.messageId = idPrefix + rank
      event.timestamp = this.datePrefix + clockOf((key - i) / INDEX_BITS)
      emit(event)
    }
  }
}
