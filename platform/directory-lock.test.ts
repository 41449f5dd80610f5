import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, describe, expect, it } from 'vitest'
import { lockDirectory, socketName } from './directory-lock.js'

const root = mkdtempSync(path.join(tmpdir(), 'tenantpulse-test-lock-'))
const children: ChildProcess[] = []
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  rmSync(root, { recursive: true, force: true })
})

let dirs = 0
function freshDir(): { dir: string; ownerFile: string } {
  const dir = mkdtempSync(path.join(root, `d${dirs++}-`))
  return { dir, ownerFile: path.join(dir, 'owner.pid') }
}

class Busy extends Error {
  constructor(readonly owner: number | undefined) {
    super(`busy: ${owner}`)
  }
}

const lock = (dir: string, ownerFile: string, shared: boolean) =>
  lockDirectory(dir, { shared, ownerFile, busy: (owner) => new Busy(owner) })

/** Runs the helper script; resolves with the child and its first line's value. */
async function runHelper(
  mode: 'hold' | 'leave' | 'kill-child',
  dir: string,
  ownerFile: string,
  ballastMb = 0,
): Promise<{ child: ChildProcess; pid: number }> {
  const script = path.join(import.meta.dirname, 'testing', 'hold-directory-lock.ts')
  const args = [script, mode, dir, ownerFile, String(ballastMb)]
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  children.push(child)
  for await (const line of createInterface({ input: child.stdout! })) {
    const [, pid] = line.split(' ')
    return { child, pid: Number(pid) }
  }
  throw new Error(`the helper (${mode}) ended without a word`)
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise<number | null>((resolve) => child.once('exit', resolve))

function statFields(pid: number): string[] {
  try {
    // From field 3 of /proc/<pid>/stat on, after the parenthesised command name.
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  } catch {
    return []
  }
}

const processState = (pid: number) => statFields(pid)[0]
// PF_EXITING among the flags (field 9): the kernel is taking the process down.
const isExiting = (pid: number) => (Number(statFields(pid)[6]) & 0x4) !== 0

/** Whether anyone holds the lock on dir, by binding its socket for a moment. */
function isHeld(dir: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EADDRINUSE' ? resolve(true) : reject(error),
    )
    server.listen(socketName(dir), () => server.close(() => resolve(false)))
  })
}

describe.runIf(process.platform === 'linux')('the directory lock', () => {
  describe('when one process takes a shared lock twice', () => {
    it('holds it until both have released it', async () => {
      const { dir, ownerFile } = freshDir()
      const first = await lock(dir, ownerFile, true)
      const second = await lock(dir, ownerFile, true)
      await first()
      await expect(lock(dir, ownerFile, false)).rejects.toThrow(Busy)
      await second()
      await (await lock(dir, ownerFile, false))()
    })
  })

  describe('when one process takes an exclusive lock twice', () => {
    it('refuses the second, naming this process', async () => {
      const { dir, ownerFile } = freshDir()
      const release = await lock(dir, ownerFile, false)
      await expect(lock(dir, ownerFile, false)).rejects.toMatchObject({ owner: process.pid })
      await release()
    })
  })

  describe('when the same directory is named by another path', () => {
    it('is the same lock', async () => {
      const { dir, ownerFile } = freshDir()
      const link = `${dir}-link`
      symlinkSync(dir, link)
      const release = await lock(dir, ownerFile, false)
      await expect(lock(`${link}/.`, ownerFile, false)).rejects.toThrow(Busy)
      await release()
    })
  })

  describe('when another live process holds the lock', () => {
    it('refuses, naming that process, and gives the lock once it is gone', async () => {
      const { dir, ownerFile } = freshDir()
      const holder = await runHelper('hold', dir, ownerFile)
      await expect(lock(dir, ownerFile, true)).rejects.toMatchObject({ owner: holder.pid })
      await expect(lock(dir, ownerFile, false)).rejects.toMatchObject({ owner: holder.pid })
      holder.child.kill('SIGTERM')
      await exited(holder.child)
      const release = await lock(dir, ownerFile, false)
      expect(readFileSync(ownerFile, 'utf8').trim()).toBe(String(process.pid))
      await release()
    })
  })

  describe('when the holder was killed and is not reaped yet', () => {
    // A zombie leader's other threads may still be exiting with the descriptors for a
    // few milliseconds; once they are gone, nothing of it holds the lock.
    it('gives the lock while it is still a zombie', async () => {
      const { dir, ownerFile } = freshDir()
      // Its parent blocks its own event loop, so nothing reaps the killed holder.
      const { child: parent, pid: killed } = await runHelper('kill-child', dir, ownerFile)
      for (let i = 0; i < 100 && processState(killed) !== 'Z'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      expect(processState(killed)).toBe('Z')
      const release = await lock(dir, ownerFile, false)
      expect(processState(killed)).toBe('Z')
      await release()
      parent.kill('SIGKILL')
    })
  })

  describe('when the holder was killed and the kernel is still freeing its memory', () => {
    it('waits for it to let go, then takes the lock', async () => {
      // The window lasts tens of milliseconds for a gigabyte; should a busy machine make
      // the test miss it, it tries again.
      for (let attempt = 1; ; attempt++) {
        const { dir, ownerFile } = freshDir()
        const holder = await runHelper('hold', dir, ownerFile, 1024)
        holder.child.kill('SIGKILL')
        const deadline = Date.now() + 2000
        while (!isExiting(holder.pid) && Date.now() < deadline) {}
        if (!(await isHeld(dir))) {
          if (attempt < 3) continue
          throw new Error('the killed holder let go before the test could look, three times')
        }
        const release = await lock(dir, ownerFile, false)
        expect(readFileSync(ownerFile, 'utf8').trim()).toBe(String(process.pid))
        await release()
        return
      }
    })
  })

  describe('when the owner file names a live process that does not hold the lock', () => {
    it('takes the lock all the same: the file only names the holder', async () => {
      const { dir, ownerFile } = freshDir()
      // As in a container after a restart: the recorded pid now belongs to another process.
      writeFileSync(ownerFile, `${process.ppid}\n`)
      const release = await lock(dir, ownerFile, false)
      expect(readFileSync(ownerFile, 'utf8').trim()).toBe(String(process.pid))
      await release()
    })
  })

  describe('when a process ends without releasing its lock', () => {
    it('ends all the same, and the lock is free after it', async () => {
      const { dir, ownerFile } = freshDir()
      const holder = await runHelper('leave', dir, ownerFile)
      expect(await exited(holder.child)).toBe(0)
      await (await lock(dir, ownerFile, false))()
    })
  })
})
