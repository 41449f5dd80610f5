import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, describe, expect, it } from 'vitest'

const tenants = 150
const events = tenants * 3
const dataDir = mkdtempSync(path.join(tmpdir(), 'tenantpulse-crash-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

// Both processes share the embedded engines' directory, one after the other, as a
// restarted `tenantpulse serve` would; the queue lives in the machine's Redis.
const env = {
  ...process.env,
  DATA_DIR: dataDir,
  DATABASE_URL: '',
  CLICKHOUSE_DATABASE: 'test_crash',
  INGEST_WRITE_KEY: 'wk_crash_test_key',
  QUEUE_PREFIX: `test-crash-${randomBytes(4).toString('hex')}`,
  CRM_SYNC_PAGE_SIZE: '50',
  CRASH_TENANTS: String(tenants),
  LOG_LEVEL: 'silent',
}

function run(
  mode: string,
  ...args: string[]
): { child: ChildProcess; lines: AsyncIterableIterator<string> } {
  const script = path.join(import.meta.dirname, 'testing', 'crash-worker.ts')
  const child = spawn(process.execPath, ['--import', 'tsx', script, mode, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return { child, lines: createInterface({ input: child.stdout! })[Symbol.asyncIterator]() }
}

async function next(lines: AsyncIterableIterator<string>, prefix: string): Promise<string> {
  const seen: string[] = []
  for (;;) {
    const { value, done } = await lines.next()
    if (done)
      throw new Error(`the worker process ended before printing "${prefix}": ${seen.join(' | ')}`)
    if (value.startsWith(`${prefix} `)) return value.slice(prefix.length + 1)
    seen.push(value)
  }
}

describe('when a worker process is killed in the middle of a job', () => {
  it('has the job taken up again by another worker, and applies every event once', async () => {
    const first = run('start')
    const jobId = await next(first.lines, 'active')
    first.child.kill('SIGKILL')
    await new Promise((resolve) => first.child.once('exit', resolve))

    const second = run('resume', jobId)
    const before = Number(await next(second.lines, 'applied-before'))
    const after = Number(await next(second.lines, 'applied-after'))
    const transitions = Number(await next(second.lines, 'transitions'))
    const churned = Number(await next(second.lines, 'churned'))
    await new Promise((resolve) => second.child.once('exit', resolve))

    // Cut short for real: some events applied, not all.
    expect(before).toBeGreaterThan(0)
    expect(before).toBeLessThan(events)
    expect(after).toBe(events)
    // prospect (new account), → customer, → churned: three per tenant, none twice.
    expect(transitions).toBe(events)
    expect(churned).toBe(tenants)
  }, 120_000)
})
