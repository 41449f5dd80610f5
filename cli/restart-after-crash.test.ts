import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClickHouse, queryRows } from '../platform/clickhouse.js'

const root = path.join(import.meta.dirname, '..')
const dataDir = mkdtempSync(path.join(tmpdir(), 'tenantpulse-restart-'))
const writeKey = 'wk_restart_test_key'
const database = 'test_restart'
const restarts = 3
const readyWithinMs = 30_000
const senders = 4
const eventsPerBatch = 5
// Acknowledged by each server before it is killed, and by the last one before it stops.
const eventsPerRun = 200

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

let env: NodeJS.ProcessEnv
let baseUrl: string
beforeAll(async () => {
  const port = await freePort()
  baseUrl = `http://127.0.0.1:${port}`
  env = {
    ...process.env,
    DATA_DIR: dataDir,
    DATABASE_URL: '',
    CLICKHOUSE_DATABASE: database,
    PORT: String(port),
    INGEST_WRITE_KEY: writeKey,
    ADMIN_API_KEY: `admin_restart_${randomBytes(8).toString('hex')}`,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: `test-restart-${randomBytes(4).toString('hex')}`,
    LOG_LEVEL: 'silent',
  }
})

// Every server pid the supervisor reported, so that none outlives the test even when the
// supervisor itself is the one that failed.
const serverPids = new Set<number>()
const spawned: ChildProcess[] = []
afterAll(() => {
  for (const child of spawned) if (child.exitCode === null) child.kill('SIGKILL')
  for (const pid of serverPids) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('tenantpulse')) {
        process.kill(pid, 'SIGKILL')
      }
    } catch {}
  }
  rmSync(dataDir, { recursive: true, force: true })
})

interface SupervisorEvent {
  event: 'started' | 'restarted' | 'exited'
  pid: number
  killed?: number
  killedState?: string
  tookLocks?: boolean
  code?: number | null
  signal?: string | null
  stderr?: string
}

function supervise() {
  const script = path.join(import.meta.dirname, 'testing', 'supervise-server.ts')
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env,
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  spawned.push(child)
  const exits = new Map<number, SupervisorEvent>()
  const steps: SupervisorEvent[] = []
  const waiting: Array<{ resolve: (event: SupervisorEvent) => void; reject: (e: Error) => void }> =
    []
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const event = JSON.parse(line) as SupervisorEvent
    serverPids.add(event.pid)
    if (event.event === 'exited') exits.set(event.pid, event)
    else if (waiting.length > 0) waiting.shift()!.resolve(event)
    else steps.push(event)
  })
  // 'close', not 'exit': its last lines are read by then.
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve))
  void exited.then((code) => {
    for (const waiter of waiting.splice(0)) waiter.reject(new Error(`supervisor ended (${code})`))
  })
  return {
    /** The next start or restart it reports. */
    next: () =>
      steps.length > 0
        ? Promise.resolve(steps.shift()!)
        : new Promise<SupervisorEvent>((resolve, reject) => waiting.push({ resolve, reject })),
    send: (line: string) => child.stdin!.write(`${line}\n`),
    exitOf: (pid: number) => exits.get(pid),
    exited,
  }
}

/**
 * Ready means the embedded ClickHouse and Postgres answer, which is what a restart must
 * bring back. /readyz also answers 503 for a Redis that could evict queued jobs; that is
 * the machine's Redis's setting and no concern of this test, so such a 503 counts too.
 */
async function isReady(): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(5000) })
    const { checks } = (await response.json()) as { checks: Record<string, string> }
    if (checks.clickhouse !== 'ok' || checks.postgres !== 'ok') return false
    return response.status === 200 || checks.redis?.startsWith('failed: maxmemory-policy') === true
  } catch {
    return false
  }
}

/** Milliseconds until the server answers ready; throws when it exits or takes too long. */
async function waitReady(
  supervisor: ReturnType<typeof supervise>,
  pid: number,
  since: number,
): Promise<number> {
  while (Date.now() - since < readyWithinMs) {
    const exit = supervisor.exitOf(pid)
    if (exit) throw new Error(`server ${pid} exited (${exit.code ?? exit.signal}): ${exit.stderr}`)
    if (await isReady()) return Date.now() - since
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`server ${pid} was not ready within ${readyWithinMs} ms`)
}

/** Small batches from a few concurrent senders until stopped; records what got a 200. */
function startLoad() {
  const runId = randomBytes(4).toString('hex')
  const acknowledged: string[] = []
  const unexpected: string[] = []
  const authorization = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`
  let sequence = 0
  let inFlight = 0
  let stopped = false
  const maxRequests = 50_000
  let requests = 0

  async function send(): Promise<void> {
    const ids = Array.from({ length: eventsPerBatch }, () => `${runId}-${++sequence}`)
    const batch = ids.map((messageId, i) => ({
      type: 'track',
      event: 'Report Created',
      userId: `u-${i}`,
      messageId,
      properties: { module: 'analytics' },
      context: { groupId: `t-${sequence % 7}` },
      timestamp: new Date().toISOString(),
    }))
    inFlight++
    try {
      const response = await fetch(`${baseUrl}/v1/batch`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ batch }),
        signal: AbortSignal.timeout(15_000),
      })
      const body = (await response.json()) as { rejected?: unknown[] }
      if (response.status === 200) {
        acknowledged.push(...ids)
        if (body.rejected?.length) unexpected.push(JSON.stringify(body.rejected))
      } else if (response.status !== 503) {
        unexpected.push(`${response.status} ${JSON.stringify(body)}`)
      }
    } catch {
      // Refused or cut off by the kill: nothing acknowledged, as for an SDK that retries.
      await new Promise((resolve) => setTimeout(resolve, 20))
    } finally {
      inFlight--
    }
  }

  const loops = Array.from({ length: senders }, async () => {
    while (!stopped && requests++ < maxRequests) await send()
  })
  return {
    acknowledged,
    unexpected,
    inFlight: () => inFlight,
    async stop() {
      stopped = true
      await Promise.all(loops)
    },
  }
}

async function until(condition: () => boolean, what: string, withinMs = 30_000) {
  const since = Date.now()
  while (!condition()) {
    if (Date.now() - since > withinMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

function runCli(...args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [path.join(root, 'bin', 'tenantpulse.js'), ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  spawned.push(child)
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })))
}

describe('when the server is killed under load and restarted at once, three times', () => {
  it('is ready again each time, still refuses a second process, and has stored every event it acknowledged', async () => {
    const supervisor = supervise()
    const started = await supervisor.next()
    await waitReady(supervisor, started.pid, Date.now())
    const load = startLoad()
    const readyAfter: number[] = []
    const killedStates: string[] = []
    const inFlightAtKill: number[] = []
    let serverPid = started.pid
    try {
      for (let i = 0; i < restarts; i++) {
        // Traffic through this server, and requests open at the moment of the kill.
        const before = load.acknowledged.length
        await until(() => load.acknowledged.length >= before + eventsPerRun, 'acknowledged events')
        await until(() => load.inFlight() > 0, 'a request in flight')
        inFlightAtKill.push(load.inFlight())
        const killedAt = Date.now()
        supervisor.send(`restart ${Math.floor(Math.random() * 100)}`)
        const restarted = await supervisor.next()
        expect(restarted.killed).toBe(serverPid)
        serverPid = restarted.pid
        // A refused start (exit code 2) fails here, with the server's message.
        readyAfter.push(await waitReady(supervisor, serverPid, killedAt))
        expect(restarted.tookLocks).toBe(true)
        killedStates.push(restarted.killedState!)
      }
      const afterLast = load.acknowledged.length
      await until(
        () => load.acknowledged.length >= afterLast + eventsPerRun,
        'events acknowledged after the last restart',
      )
    } finally {
      await load.stop()
    }
    // The supervisor kept each killed server a zombie until its successor held the
    // directories: the case a pid file gets wrong.
    expect(killedStates).toEqual(Array(restarts).fill('Z'))
    expect(readyAfter.every((ms) => ms < readyWithinMs)).toBe(true)
    expect(load.unexpected).toEqual([])

    // A second live process on the same directories is refused, naming the server.
    const sql = await runCli('sql', 'SELECT 1')
    expect(sql.code).toBe(2)
    expect(sql.stderr).toMatch(
      new RegExp(`the embedded ClickHouse in .+ is in use by process ${serverPid}\\.`),
    )

    const account = await runCli('account', 't-1')
    expect(account.code).toBe(2)
    expect(account.stderr).toMatch(
      new RegExp(`the embedded Postgres in .+ is in use by process ${serverPid}\\.`),
    )

    supervisor.send('stop')
    expect(await supervisor.exited).toBe(0)
    expect(supervisor.exitOf(serverPid)?.code).toBe(0)

    const ch = await createClickHouse({ dataDir, database })
    try {
      const rows = await queryRows<{ message_id: string }>(
        ch,
        'SELECT DISTINCT message_id FROM {db:Identifier}.events',
      )
      const stored = new Set(rows.map((row) => row.message_id))
      const missing = load.acknowledged.filter((id) => !stored.has(id))
      expect(load.acknowledged.length).toBeGreaterThanOrEqual((restarts + 1) * eventsPerRun)
      expect(missing).toEqual([])
    } finally {
      await ch.close()
    }
    console.info(
      `restarts ready ${readyAfter.join(', ')} ms after the kill, requests in flight at ` +
        `each kill: ${inFlightAtKill.join(', ')}; ${load.acknowledged.length} events ` +
        'acknowledged, all stored',
    )
  }, 240_000)
})
