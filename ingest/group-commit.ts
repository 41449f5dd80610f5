export class OverloadedError extends Error {
  override name = 'OverloadedError'
}

export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError'
}

export interface GroupCommitOptions<T> {
  /** Writes one combined batch; it must throw unless every row is committed. */
  write: (items: T[]) => Promise<void>
  /** How much one item weighs (rows), for the flush size and the queue bound. */
  weigh: (item: T) => number
  /** A write goes when this much waits... */
  maxBatch: number
  /**
   * ...or when its oldest item has waited this long, also after a write ended: so
   * inserts start at most about 1000 / maxWaitMs times a second until they fill.
   */
  maxWaitMs: number
  /** Beyond this much waiting or in flight, submit refuses at once. */
  maxQueued: number
  /** Writes in flight at once, at most. */
  concurrency: number
  /**
   * A further write starts only once the newest one in flight has taken this long;
   * until then, what arrives waits and goes in the next write, whole.
   */
  overlapAfterMs: number
  onFlush?: (size: number, seconds: number, error?: unknown) => void
}

interface Waiting<T> {
  item: T
  weight: number
  resolve: () => void
  reject: (error: Error) => void
  queuedAt: number
}

/**
 * Group commit: concurrent requests wait a few milliseconds and share one insert,
 * since a ClickHouse insert has a fixed cost that dwarfs the cost of a row. A submit
 * resolves only after the write that carried its item committed, and rejects if that
 * write failed, so a caller acknowledges nothing that was not stored.
 *
 * Each insert is a part that costs a fixed price, then merges, so the batch is bounded
 * by time as well as rows: what arrives waits up to maxWaitMs, even when the insert
 * before ended sooner, and inserts grow with the load instead of multiplying. Writes
 * overlap only when the one in flight is slow: otherwise what arrives during a write
 * waits for it and goes next as one insert, since on two cores two writes at once
 * also slow each other and the event loop. A write stuck behind a merge or a slow
 * disk still holds nobody longer than overlapAfterMs before the next one starts.
 */
export class GroupCommit<T> {
  private waiting: Waiting<T>[] = []
  private waitingWeight = 0
  private inFlightWeight = 0
  private inFlight = 0
  // When the newest write in flight started (performance.now()).
  private lastStart = 0
  private timer: NodeJS.Timeout | undefined
  private closed = false

  constructor(private readonly options: GroupCommitOptions<T>) {}

  /** Rows waiting or being written: the queue depth that /metrics shows. */
  get depth(): number {
    return this.waitingWeight + this.inFlightWeight
  }

  submit(item: T): Promise<void> {
    const weight = this.options.weigh(item)
    if (this.closed) return Promise.reject(new OverloadedError('shutting down'))
    if (this.depth + weight > this.options.maxQueued) {
      return Promise.reject(new OverloadedError(`${this.depth} rows are waiting for ClickHouse`))
    }
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ item, weight, resolve, reject, queuedAt: performance.now() })
      this.waitingWeight += weight
      // A timer already set is for a moment no later than this item's: an older item's
      // wait, or the write in flight turning slow.
      if (this.waitingWeight >= this.options.maxBatch || this.timer === undefined) this.pump()
    })
  }

  /** Stops taking items and waits for everything submitted to be written. */
  async close(): Promise<void> {
    this.closed = true
    while (this.waiting.length > 0 || this.inFlight > 0) {
      this.pump()
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }

  /**
   * Starts the writes that may start now and sets the timer for the next moment one
   * may: a write goes once its rows fill a batch or its oldest item has waited
   * maxWaitMs, and beside another only once that one has run overlapAfterMs.
   */
  private pump(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    while (this.waiting.length > 0 && this.inFlight < this.options.concurrency) {
      const now = performance.now()
      const full = this.closed || this.waitingWeight >= this.options.maxBatch
      const due = full ? now : this.waiting[0]!.queuedAt + this.options.maxWaitMs
      const free = this.inFlight === 0 ? now : this.lastStart + this.options.overlapAfterMs
      const at = Math.max(due, free)
      if (at > now) {
        this.timer = setTimeout(() => this.pump(), at - now)
        return
      }
      this.lastStart = now
      void this.write(this.take())
    }
  }

  private take(): Waiting<T>[] {
    let weight = 0
    let count = 0
    while (
      count < this.waiting.length &&
      (count === 0 || weight + this.waiting[count]!.weight <= this.options.maxBatch)
    ) {
      weight += this.waiting[count]!.weight
      count++
    }
    const batch = this.waiting.splice(0, count)
    this.waitingWeight -= weight
    this.inFlightWeight += weight
    return batch
  }

  private async write(batch: Waiting<T>[]): Promise<void> {
    this.inFlight++
    const weight = batch.reduce((sum, w) => sum + w.weight, 0)
    const started = performance.now()
    try {
      await this.options.write(batch.map((w) => w.item))
      this.options.onFlush?.(weight, (performance.now() - started) / 1000)
      for (const w of batch) w.resolve()
    } catch (error) {
      this.options.onFlush?.(weight, (performance.now() - started) / 1000, error)
      const failure = new StoreUnavailableError(
        `the event store failed: ${(error as Error).message}`,
        { cause: error },
      )
      for (const w of batch) w.reject(failure)
    } finally {
      this.inFlight--
      this.inFlightWeight -= weight
      // What waits may go now (or sooner than the timer set while this was in flight).
      this.pump()
    }
  }
}
