import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './config.js'

describe('when the environment is empty', () => {
  it('uses the embedded defaults', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({
      PORT: 3000,
      CLICKHOUSE_DATABASE: 'tenantpulse',
      INGEST_MAX_BATCH_EVENTS: 2500,
    })
    expect(config.CLICKHOUSE_URL).toBeUndefined()
    expect(config.dataDir).toMatch(/\/data$/)
    expect(Object.isFrozen(config)).toBe(true)
  })
})

describe('when a variable is invalid', () => {
  it('names the variable and its value', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError)
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT="eighty"/)
    expect(() => loadConfig({ CLICKHOUSE_DATABASE: 'x; DROP' })).toThrow(/CLICKHOUSE_DATABASE/)
  })
})

describe('when the company names its own free plans', () => {
  it('reads FREE_PLANS as a list, free by default', () => {
    expect(loadConfig({}).FREE_PLANS).toEqual(['free'])
    expect(loadConfig({ FREE_PLANS: 'Community, Trial ' }).FREE_PLANS).toEqual([
      'Community',
      'Trial',
    ])
  })

  it('refuses a list with an empty entry, saying which', () => {
    expect(() => loadConfig({ FREE_PLANS: 'free,,trial' })).toThrow(
      /FREE_PLANS="free,,trial": a comma-separated list of plan names, each 1 to 100 characters; entry 2 is empty/,
    )
  })

  it('refuses a queue namespace with braces: the deployment id and braces are added', () => {
    expect(() => loadConfig({ QUEUE_PREFIX: '{tenantpulse}' })).toThrow(/QUEUE_PREFIX/)
  })
})
