import type { Config } from '../platform/config.js'

const benches: Record<string, (args: string[], config: Config) => Promise<number>> = {
  ingest: async (args) => (await import('./ingest.js')).benchIngest(args),
}

export async function runBench(args: string[], config: Config): Promise<number> {
  const [name, ...rest] = args
  const bench = name === undefined ? undefined : benches[name]
  if (bench === undefined) {
    process.stderr.write(`usage: tenantpulse bench <${Object.keys(benches).join('|')}>\n`)
    return 1
  }
  return bench(rest, config)
}
