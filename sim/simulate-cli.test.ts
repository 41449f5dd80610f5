import { afterEach, describe, expect, it, vi } from 'vitest'
import { runSimulate } from '../cli/simulate.js'
import { loadConfig } from '../platform/config.js'

const config = loadConfig({ DATA_DIR: '/nonexistent/tenantpulse-simulate-cli' })

function captured() {
  const out: string[] = []
  const err: string[] = []
  vi.spyOn(process.stdout, 'write').mockImplementation((t) => out.push(String(t)) > 0)
  vi.spyOn(process.stderr, 'write').mockImplementation((t) => err.push(String(t)) > 0)
  return { out: () => out.join(''), err: () => err.join('') }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('when no mode or two modes are asked for', () => {
  it('prints the usage and exits with 1', async () => {
    const io = captured()
    expect(await runSimulate([], config)).toBe(1)
    expect(await runSimulate(['--stats', '--stream'], config)).toBe(1)
    expect(io.err()).toContain('choose one of --backfill DAYS, --stream, --stats')
    expect(io.err()).toContain('Usage: tenantpulse simulate')
  })
})

describe('when an option is unknown or a value is malformed', () => {
  it('says which and exits with 1', async () => {
    const io = captured()
    expect(await runSimulate(['--stats', '--frobnicate'], config)).toBe(1)
    expect(await runSimulate(['--backfill', 'ten'], config)).toBe(1)
    expect(await runSimulate(['--stats', '--scale', 'huge'], config)).toBe(1)
    expect(io.err()).toContain("Unknown option '--frobnicate'")
    expect(io.err()).toContain('--backfill must be a positive integer')
    expect(io.err()).toContain('--scale must be small or full')
  })

  it('names a start that is not a date', async () => {
    const io = captured()
    expect(await runSimulate(['--stats', '--start', '2025-02-30'], config)).toBe(1)
    expect(io.err()).toContain('start is not a date: 2025-02-30')
  })
})

describe('when --stream has no write key', () => {
  it('asks for one before sending anything', async () => {
    const io = captured()
    expect(await runSimulate(['--stream'], config)).toBe(1)
    expect(io.err()).toContain('--stream needs a write key')
  })
})

describe('when the statistics of a small world are asked for as JSON', () => {
  it('prints the figures of exactly that world', async () => {
    const io = captured()
    const argv = ['--stats', '--json', '--tenants', '30', '--days', '7', '--start', '2025-03-03']
    expect(await runSimulate(argv, config)).toBe(0)
    const stats = JSON.parse(io.out())
    expect(stats).toMatchObject({ tenants: 30, days: 7, freeShare: expect.any(Number) })
    expect(stats.eventsPerDay).toHaveLength(7)
    expect(stats.spec).toMatchObject({ seed: 'tenantpulse', scale: 'small', start: '2025-03-03' })
  })
})
