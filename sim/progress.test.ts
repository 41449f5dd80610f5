import { describe, expect, it } from 'vitest'
import { createProgress, formatDuration } from './progress.js'

function recorder(isTTY: boolean) {
  const written: string[] = []
  return { out: { isTTY, write: (t: string) => written.push(t) }, written }
}

describe('when the output is a terminal', () => {
  it('rewrites one line in place with %, count, rate and ETA, then ends it', () => {
    const { out, written } = recorder(true)
    let t = 0
    const progress = createProgress({ label: 'backfill', out, unit: 'events', now: () => t })
    t = 10_000
    progress.update(0.25, 500_000)
    t = 10_050
    progress.update(0.26, 520_000) // within 200 ms of the last line: not drawn
    t = 20_000
    progress.update(0.5, 1_000_000)
    progress.done()
    expect(written).toEqual([
      '\r\x1b[Kbackfill   25.0%  500,000 events  50,000 events/s  ETA 30s',
      '\r\x1b[Kbackfill   50.0%  1,000,000 events  50,000 events/s  ETA 20s',
      '\r\x1b[Kbackfill   50.0%  1,000,000 events  50,000 events/s  ETA 20s',
      '\n',
    ])
  })
})

describe('when the output is a log or a pipe', () => {
  it('writes plain lines, a few seconds apart, and a last one when done', () => {
    const { out, written } = recorder(false)
    let t = 0
    const progress = createProgress({ label: 'stream', out, unit: 'events', now: () => t })
    for (let second = 1; second <= 12; second++) {
      t = second * 1000
      progress.update(second / 12, t)
    }
    progress.done()
    expect(written.every((line) => line.endsWith('\n') && !line.includes('\r'))).toBe(true)
    expect(written).toHaveLength(4) // at 1 s, 6 s and 11 s, then done
    expect(written.at(-1)).toBe('stream  100.0%  12,000 events  1,000 events/s  in 12s\n')
  })
})

describe('when a duration is shown', () => {
  it('reads as seconds, minutes or hours', () => {
    expect(formatDuration(42)).toBe('42s')
    expect(formatDuration(245)).toBe('4m05s')
    expect(formatDuration(3 * 3600 + 120)).toBe('3h02m')
  })
})
