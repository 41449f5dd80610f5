import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'

const held = new Map<string, number>()

/**
 * A pid file that keeps a second process off an embedded engine's data directory, where
 * directory-lock.ts has no abstract socket (not Linux). A live owner makes this throw
 * `busy(owner)`; a dead one (a crash) is taken over. It mistakes a killed owner that is
 * not reaped yet, and a recycled pid, for a live owner. Within the process, a `shared`
 * lock counts its holders, an exclusive one refuses a second.
 */
export function lockPidFile(
  lockFile: string,
  options: { shared: boolean; busy: (owner: number) => Error },
): () => void {
  const holders = held.get(lockFile) ?? 0
  if (holders > 0 && !options.shared) throw options.busy(process.pid)
  if (holders === 0) {
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = openSync(lockFile, 'wx')
        writeSync(fd, String(process.pid))
        closeSync(fd)
        break
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error
        const owner = Number(readFileSync(lockFile, 'utf8'))
        if (owner !== process.pid && isAlive(owner)) throw options.busy(owner)
        rmSync(lockFile, { force: true })
      }
    }
  }
  held.set(lockFile, holders + 1)
  let released = false
  return () => {
    if (released) return
    released = true
    const left = (held.get(lockFile) ?? 1) - 1
    held.set(lockFile, left)
    if (left === 0) rmSync(lockFile, { force: true })
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
