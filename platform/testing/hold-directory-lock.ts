// A second process for platform/directory-lock.test.ts, driven by its arguments
// `<mode> <dir> <ownerFile> [ballastMb]`:
//   hold        take the lock, print "locked <pid>", and stay until killed; with
//               ballastMb, hold that much memory first, so that dying takes a while;
//   leave       take the lock, print "locked <pid>", and return without releasing it
//               (the process must still end by itself);
//   kill-child  run `hold` in a child, SIGKILL it once it has the lock, print
//               "killed <pid>", then block for a while without reaping it, so that the
//               test sees a zombie.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { lockDirectory } from '../directory-lock.js'

const [mode, dir, ownerFile, ballastMb] = process.argv.slice(2) as [string, string, string, string?]
const say = (line: string) => process.stdout.write(`${line}\n`)

if (mode === 'hold' || mode === 'leave') {
  // Written to, so that the pages are resident and the kernel has them to free.
  const ballast = Buffer.allocUnsafe(Number(ballastMb ?? 0) * 2 ** 20).fill(1)
  await lockDirectory(dir, {
    shared: false,
    ownerFile,
    busy: (owner) => new Error(`busy: ${owner}`),
  })
  say(`locked ${process.pid}`)
  if (mode === 'hold') setInterval(() => ballast.length, 60_000)
}

if (mode === 'kill-child') {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', import.meta.filename, 'hold', dir, ownerFile],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  for await (const line of createInterface({ input: child.stdout! })) {
    if (line.startsWith('locked ')) break
  }
  child.kill('SIGKILL')
  // Stdout is a pipe, written synchronously on Linux: the line is out before the block.
  say(`killed ${child.pid}`)
  // Node reaps a child from its event loop; a blocked loop leaves it a zombie.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 8000)
}
