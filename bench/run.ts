import type { Config } from '../platform/config.js'

const benches: Record<string, (args: string[], config: Config) => Promise<number>> = {
  ingest: async (args) => (await import('./ingest.js')).benchIngest(args),
  rules: async (args, config) => (await import('./rules.js')).benchRules(args, config),
  backtest: async (args, config) => (await import('./backtest.js')).benchBacktest(args, config),
  model: async (args, config) => (await import('./model.js')).benchModel(args, config),
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
