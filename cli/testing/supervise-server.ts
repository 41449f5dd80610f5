// A supervisor for cli/restart-after-crash.test.ts: it runs `tenantpulse serve` with its
// own environment and restarts it as a crash-happy supervisor would, reporting each step
// as one JSON line on stdout. Commands, one a line on stdin:
//   restart <ms>  SIGKILL the server, start the next one <ms> later (without waiting
//                 for the kill to be reaped), and leave the killed one unreaped until
//                 the next one holds the embedded directories (or has died itself);
//   stop          SIGTERM the server, wait for it, and exit.
// Node reaps a child from its event loop, so the loop is blocked while the killed
// server must stay a zombie; the next server runs on in the meantime.
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { createInterface } from 'node:readline'

const root = path.join(import.meta.dirname, '..', '..')
const dataDir = process.env.DATA_DIR!
// Where the directory locks name their holder (platform/clickhouse.ts, postgres.ts).
const ownerFiles = [
  path.join(dataDir, 'clickhouse', 'tenantpulse.pid'),
  path.join(dataDir, 'postgres.pid'),
]
const holdZombieMaxMs = 30_000

const emit = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`)
const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

function state(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[0]
  } catch {
    return undefined
  }
}

const holds = (pid: number) =>
  ownerFiles.every((file) => {
    try {
      return readFileSync(file, 'utf8').trim() === String(pid)
    } catch {
      return false
    }
  })

function startServer(): ChildProcess {
  const child = spawn(process.execPath, [path.join(root, 'bin', 'tenantpulse.js'), 'serve'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  child.once('exit', (code, signal) =>
    emit({ event: 'exited', pid: child.pid, code, signal, stderr: stderr.slice(-2000) }),
  )
  return child
}

let server = startServer()
emit({ event: 'started', pid: server.pid })

function restart(delayMs: number): void {
  const killed = server
  killed.kill('SIGKILL')
  sleepSync(delayMs)
  server = startServer()
  const startedAt = Date.now()
  const next = server.pid!
  for (;;) {
    const nextState = state(next)
    if (holds(next) || nextState === 'Z' || nextState === undefined) break
    if (Date.now() - startedAt > holdZombieMaxMs) break
    sleepSync(10)
  }
  emit({
    event: 'restarted',
    killed: killed.pid,
    pid: next,
    delayMs,
    // What the next server met: 'Z' is the killed one not reaped yet.
    killedState: state(killed.pid!) ?? 'gone',
    tookLocks: holds(next),
    lockedAfterMs: Date.now() - startedAt,
  })
}

let stopping = false
const commands = createInterface({ input: process.stdin })
commands.on('line', (line) => {
  const [command, arg] = line.split(' ')
  if (command === 'restart') restart(Number(arg ?? 0))
  if (command === 'stop') {
    stopping = true
    if (server.exitCode !== null || server.signalCode !== null) process.exit(0)
    server.once('exit', () => process.exit(0))
    server.kill('SIGTERM')
  }
})
// The test is gone: leave no server behind.
commands.on('close', () => {
  if (stopping) return
  server.kill('SIGKILL')
  process.exit(1)
})
