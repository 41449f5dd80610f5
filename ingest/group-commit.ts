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
  /** Flush when this much waits... */
  maxBatch: number
  /** ...or this long after the first item arrived. */
  maxWaitMs: number
  /** Beyond this much waiting or in flight, submit refuses at once. */
  maxQueued: number
  /** Writes in flight at once. */
  concurrency: number
  onFlush?: (size: number, seconds: number, error?: unknown) => void
}

interface Waiting<T> {
  item: T
  weight: number
  resolve: () => void
  reject: (error: Error) => void
}

/**
 * Group commit: concurrent requests wait a few milliseconds and share one insert,
 * since a ClickHouse insert has a fixed cost that dwarfs the cost of a row. A submit
 * resolves only after the write that carried its item committed, and rejects if that
 * write failed, so a caller acknowledges nothing that was not stored.
 */
export class GroupCommit<T> {
  private waiting: Waiting<T>[] = []
  private waitingWeight = 0
  private inFlightWeight = 0
  private inFlight = 0
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
      this.waiting.push({ item, weight, resolve, reject })
      this.waitingWeight += weight
      if (this.waitingWeight >= this.options.maxBatch) this.flush()
      else this.timer ??= setTimeout(() => this.flush(), this.options.maxWaitMs)
    })
  }

  /** Stops taking items and waits for everything submitted to be written. */
  async close(): Promise<void> {
    this.closed = true
    while (this.waiting.length > 0 || this.inFlight > 0) {
      this.flush()
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }

  private flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    while (this.waiting.length > 0 && this.inFlight < this.options.concurrency) {
      const batch = this.take()
      void this.write(batch)
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
      // What arrived during the write has waited at least as long as a write takes:
      // send it now rather than after another timer.
      if (this.waiting.length > 0) this.flush()
    }
  }
}
