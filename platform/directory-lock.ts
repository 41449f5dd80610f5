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
   * Beside the lock, the holder's pid, so that the refusal can name it. Read only for
   * the message: the decision is the kernel's.
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
 * and the kernel closes it with the holder's other descriptors as the process exits,
 * before it is reaped, so neither a zombie nor a recycled pid holds anything (a pid file
 * fails on both). libuv opens it close-on-exec, so no child process inherits it.
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

function socketName(dir: string): string {
  // The real path: ./data, a symlink to it and its absolute path are one directory.
  const hash = createHash('sha256').update(realpathSync(dir)).digest('hex')
  return `\0tenantpulse:${hash}`
}

function bind(name: string, options: DirectoryLockOptions): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.destroy())
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? options.busy(liveOwner(options.ownerFile)) : error)
    })
    server.listen(name, () => {
      // The lock must never be what keeps a finished process from exiting.
      server.unref()
      writeOwner(options.ownerFile)
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

/**
 * The pid in the owner file, if a process by that number lives. The holder writes the
 * file just after it binds, so a refusal in between could read its dead predecessor's.
 */
function liveOwner(file: string): number | undefined {
  const pid = readOwner(file)
  if (pid === undefined) return undefined
  try {
    process.kill(pid, 0)
    return pid
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined
  }
}
