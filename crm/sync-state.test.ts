import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { advanceWatermark, readWatermark } from './sync-state.js'
import { availableEngines, createTestDatabase, type TestDatabase } from './test-database.js'

vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 })

const serverUrl = process.env.DATABASE_URL

describe.each(availableEngines(serverUrl))('the crm-sync watermark on %s Postgres', (engine) => {
  let t: TestDatabase
  beforeAll(async () => {
    t = await createTestDatabase(engine, { serverUrl })
  })
  afterAll(() => t?.drop())

  describe('when a run tries to move it back', () => {
    it('keeps the later watermark', async () => {
      expect(await readWatermark(t.db, 'crm-sync')).toBeUndefined()
      const later = new Date('2024-06-01T00:00:10Z')
      expect(await advanceWatermark(t.db, 'crm-sync', later)).toEqual(later)
      expect(await advanceWatermark(t.db, 'crm-sync', new Date('2024-06-01T00:00:00Z'))).toEqual(
        later,
      )
      expect(await readWatermark(t.db, 'crm-sync')).toEqual(later)
    })
  })
})
