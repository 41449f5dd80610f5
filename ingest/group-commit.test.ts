import { describe, expect, it, vi } from 'vitest'
import { GroupCommit, OverloadedError, StoreUnavailableError } from './group-commit.js'

function recorder(options: { fail?: boolean; delayMs?: number } = {}) {
  const writes: number[][] = []
  const commit = new GroupCommit<number[]>({
    async write(items) {
      await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 1))
      if (options.fail) throw new Error('disk full')
      writes.push(items.flat())
    },
    weigh: (item) => item.length,
    maxBatch: 10,
    maxWaitMs: 5,
    maxQueued: 25,
    concurrency: 1,
    overlapAfterMs: 0,
  })
  return { commit, writes }
}

// Writes that stay in flight until the test lets them end.
function heldWrites(options: { overlapAfterMs: number }) {
  const started: number[][] = []
  const release: Array<() => void> = []
  const commit = new GroupCommit<number[]>({
    async write(items) {
      started.push(items.flat())
      await new Promise<void>((resolve) => release.push(resolve))
    },
    weigh: (item) => item.length,
    maxBatch: 10,
    maxWaitMs: 1,
    maxQueued: 25,
    concurrency: 2,
    overlapAfterMs: options.overlapAfterMs,
  })
  const releaseAll = () => {
    for (const r of release.splice(0)) r()
  }
  return { commit, started, releaseAll }
}

describe('when requests arrive together', () => {
  it('writes them in one insert and resolves each after it', async () => {
    const { commit, writes } = recorder()
    await Promise.all([commit.submit([1]), commit.submit([2, 3]), commit.submit([4])])
    expect(writes).toEqual([[1, 2, 3, 4]])
  })

  it('starts an insert as soon as the batch size is reached, and sends the rest after it', async () => {
    const { commit, writes } = recorder({ delayMs: 20 })
    await Promise.all([
      commit.submit([1, 2, 3, 4, 5, 6]),
      commit.submit([7, 8, 9, 10]),
      commit.submit([11]),
      commit.submit([12]),
    ])
    expect(writes).toEqual([
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      [11, 12],
    ])
  })
})

describe('when requests arrive while a write is in flight', () => {
  it('holds them for one write after it, not a second one beside it', async () => {
    const { commit, started, releaseAll } = heldWrites({ overlapAfterMs: 60_000 })
    const first = commit.submit([1])
    await vi.waitFor(() => expect(started).toHaveLength(1))
    const later = [commit.submit([2]), commit.submit([3, 4])]
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(started).toEqual([[1]])
    releaseAll()
    await first
    await vi.waitFor(() => expect(started).toHaveLength(2))
    releaseAll()
    await Promise.all(later)
    expect(started).toEqual([[1], [2, 3, 4]])
  })

  it('starts the next write beside it once it is slow', async () => {
    const { commit, started, releaseAll } = heldWrites({ overlapAfterMs: 0 })
    const first = commit.submit([1])
    await vi.waitFor(() => expect(started).toHaveLength(1))
    const second = commit.submit([2])
    await vi.waitFor(() => expect(started).toEqual([[1], [2]]))
    releaseAll()
    await Promise.all([first, second])
  })
})

describe('when the insert fails', () => {
  it('rejects every request it carried, so none is acknowledged', async () => {
    const { commit } = recorder({ fail: true })
    const results = await Promise.allSettled([commit.submit([1]), commit.submit([2])])
    for (const r of results) {
      expect(r.status).toBe('rejected')
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError)
    }
    expect(commit.depth).toBe(0)
  })
})

describe('when more rows wait than the queue holds', () => {
  it('refuses the request that does not fit, at once', async () => {
    const { commit, writes } = recorder({ delayMs: 30 })
    const first = commit.submit(Array.from({ length: 10 }, (_, i) => i))
    const second = commit.submit(Array.from({ length: 10 }, (_, i) => i))
    await expect(commit.submit(Array.from({ length: 10 }, (_, i) => i))).rejects.toBeInstanceOf(
      OverloadedError,
    )
    await Promise.all([first, second])
    expect(writes.flat()).toHaveLength(20)
  })
})

describe('when it is closed', () => {
  it('writes what was submitted before, then refuses more', async () => {
    const { commit, writes } = recorder({ delayMs: 10 })
    const pending = commit.submit([1, 2])
    await commit.close()
    await pending
    expect(writes).toEqual([[1, 2]])
    await expect(commit.submit([3])).rejects.toBeInstanceOf(OverloadedError)
  })
})
