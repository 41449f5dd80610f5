import { createHash } from 'node:crypto'
import { readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { lockPidFile } from './pid-lock.js'

export interface DirectoryLockOptions {
  /**
   * Within this process, a shared lock counts its holders and an exclusive one refuses a
   * second. Between processes both are exclusive.
   */
  shared: boolean
  /**
   * Beside the lock, the holder's pid, so that the refusal can name it and a start can
   * wait for a holder that is exiting. Who holds the lock is the kernel's decision.
   */
  ownerFile: string
  /** The error for a directory held elsewhere; owner is undefined where unknown. */
  busy: (owner: number | undefined) => Error
}

/** Gives the lock back; resolves once another process could take it. */
export type ReleaseLock = () => Promise<void>

interface Held {
  holders: number
  acquired: Promise<net.Server>
}

const held = new Map<string, Held>()

/**
 * Keeps other processes off an embedded engine's data directory (PGlite guards nothing,
 * and two writers would corrupt it) with a lock the kernel drops when the holder dies.
 *
 * The lock is a listening Unix socket in Linux's abstract namespace, named for the
 * directory's real path: a second bind fails with EADDRINUSE while the socket is open,
 * and the kernel closes it with the holder's other descriptors as the process exits, by
 * the time it can be reaped, so neither a zombie nor a recycled pid holds anything (a
 * pid file fails on both). libuv opens it close-on-exec, so no child process inherits it.
 *
 * The abstract namespace belongs to the network namespace: two containers that share a
 * volume but not a network are not kept apart by this (chDB's own flock on its status
 * file still refuses the second one on the ClickHouse directory).
 */
export async function lockDirectory(
  dir: string,
  options: DirectoryLockOptions,
): Promise<ReleaseLock> {
  // Elsewhere no abstract namespace; TenantPulse runs on Linux, and the pid file keeps a
  // second process out there too, but believes a zombie or a recycled pid is the owner.
  if (process.platform !== 'linux') {
    const release = lockPidFile(options.ownerFile, {
      shared: options.shared,
      busy: (owner) => options.busy(owner),
    })
    return async () => release()
  }
  const name = socketName(dir)
  let entry = held.get(name)
  if (entry && !options.shared) throw options.busy(process.pid)
  if (!entry) {
    entry = { holders: 0, acquired: bind(name, options) }
    held.set(name, entry)
    // A failed bind leaves nothing behind, so the next attempt binds afresh.
    const failed = entry
    failed.acquired.catch(() => {
      if (held.get(name) === failed) held.delete(name)
    })
  }
  entry.holders += 1
  const server = await entry.acquired
  let released = false
  return async () => {
    if (released) return
    released = true
    const current = held.get(name)
    if (!current || --current.holders > 0) return
    held.delete(name)
    // The file first: once the socket is closed another process may write its own.
    if (readOwner(options.ownerFile) === process.pid) rmSync(options.ownerFile, { force: true })
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

/** The holder as a refusal names it. */
export function describeOwner(owner: number | undefined): string {
  if (owner === undefined) return 'another process'
  return owner === process.pid ? 'this process' : `process ${owner}`
}

/**
 * The abstract socket that is the lock on dir: `ss -xlp | grep tenantpulse` shows who
 * holds which (the name shows with @ for the leading NUL).
 */
export function socketName(dir: string): string {
  // The real path: ./data, a symlink to it and its absolute path are one directory.
  const hash = createHash('sha256').update(realpathSync(dir)).digest('hex')
  return `\0tenantpulse:${hash}`
}

// A killed holder keeps its descriptors until the kernel has freed its memory: 45 to 90
// ms for a 1 GB server on a 2-core machine, longer for a bigger one. A start that lands
// in that window waits for it; a holder that is not exiting is refused at once.
const exitingHolderWaitMs = 10_000

async function bind(name: string, options: DirectoryLockOptions): Promise<net.Server> {
  const since = Date.now()
  for (;;) {
    try {
      return await listen(name, options.ownerFile)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
      const owner = readOwner(options.ownerFile)
      if (owner === undefined || !isExiting(owner) || Date.now() - since > exitingHolderWaitMs) {
        throw options.busy(owner !== undefined && isAlive(owner) ? owner : undefined)
      }
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }
}

function listen(name: string, ownerFile: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.destroy())
    server.once('error', reject)
    server.listen(name, () => {
      // The lock must never be what keeps a finished process from exiting.
      server.unref()
      writeOwner(ownerFile)
      resolve(server)
    })
  })
}

function writeOwner(file: string): void {
  // Renamed into place, so that a reader never sees a half-written pid.
  const partial = `${file}.${process.pid}.tmp`
  writeFileSync(partial, `${process.pid}\n`)
  renameSync(partial, file)
}

function readOwner(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

// The owner file only tells whether the holder is on its way out, and names it in the
// refusal; who holds the lock is the kernel's answer to bind. The holder writes the file
// just after it binds, so a refusal in between reads its predecessor's pid, which then
// names no live process (or a zombie, and the next try reads the holder's own).
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

// PF_EXITING in the flags of /proc/<pid>/stat: the kernel has begun to take the process
// down. A zombie leader (Z) may still have threads holding its descriptors.
const pfExiting = 0x4

function isExiting(pid: number): boolean {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return false
  }
  // After the command name in parentheses (which may hold spaces): state, ppid, pgrp,
  // session, tty_nr, tpgid, flags.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const state = fields[0]
  return state === 'Z' || state === 'X' || (Number(fields[6]) & pfExiting) !== 0
}
