import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/**
 * A CPU profile of this process's main thread (the server's event loop) over one phase
 * of a bench, written where `file` says, for Chrome DevTools or `node --cpu-prof`'s
 * readers; `stop` also gives the functions with the most self time, as shares of busy
 * time (idle excluded).
 */
export async function startCpuProfile(file: string) {
  const session = new Session()
  session.connect()
  await session.post('Profiler.setSamplingInterval', { interval: 500 })
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  return {
    async stop(top = 10): Promise<string[]> {
      const { profile } = (await session.post('Profiler.stop')) as { profile: Profile }
      session.disconnect()
      writeFileSync(file, JSON.stringify(profile))
      return topSelfTime(profile, top)
    },
  }
}

function topSelfTime(profile: Profile, top: number): string[] {
  const byNode = new Map<number, number>()
  profile.samples.forEach((id, i) => {
    byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  })
  const byFunction = new Map<string, number>()
  let busy = 0
  for (const node of profile.nodes) {
    const time = byNode.get(node.id) ?? 0
    const { functionName, url, lineNumber } = node.callFrame
    if (functionName === '(idle)') continue
    busy += time
    const where = url === '' ? '' : ` ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`
    const name = `${functionName || '(anonymous)'}${where}`
    byFunction.set(name, (byFunction.get(name) ?? 0) + time)
  }
  return [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, time]) => `${((100 * time) / busy).toFixed(1).padStart(5)}%  ${name}`)
}
