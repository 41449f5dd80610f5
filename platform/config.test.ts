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
