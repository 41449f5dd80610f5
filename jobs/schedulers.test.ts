import { randomBytes } from 'node:crypto'
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { addAccount, addAlert, addRule } from '../api/test-support.js'
import { startJobs } from '../cli/runtime.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { buildTestApp } from '../test/app.js'
import { eventually, useTestClickHouse } from '../test/clickhouse.js'
import { useTestPostgres } from '../test/postgres.js'

let ch: ClickHouse
let db: Db
beforeAll(async () => {
  ch = await useTestClickHouse()
  db = await useTestPostgres()
})

describe('when the workers start with their schedules', () => {
  it('declares every scheduler, and the wake job reopens an alert whose snooze is over', async () => {
    const { runtime } = await buildTestApp(
      { ch, db },
      { QUEUE_PREFIX: `test-${randomBytes(6).toString('hex')}`, ALERT_WAKE_EVERY_MS: '1000' },
    )
    await addAccount(db, 'sleepy', 'customer')
    await addRule(db)
    const alert = await addAlert(db, {
      tenantId: 'sleepy',
      ruleId: 'usage-drop',
      status: 'snoozed',
    })
    await db.query("UPDATE alerts SET snoozed_until = now() - interval '1 minute' WHERE id = $1", [
      alert,
    ])

    const jobs = await startJobs(runtime)
    onTestFinished(async () => {
      for (const q of Object.values(jobs.workers.queues)) await q.obliterate({ force: true })
      await jobs.close()
    })
    const declared: string[] = []
    for (const queue of Object.values(jobs.workers.queues))
      for (const s of await queue.getJobSchedulers()) declared.push(s.key)
    expect(declared.sort()).toEqual([
      'crm-sync',
      'evaluate-abm',
      'evaluate-churn',
      'health',
      'model-retrain',
      'model-score',
      'notify',
      'playbooks',
      'rollups',
      'wake',
    ])

    const status = await eventually(
      async () =>
        (await db.query<{ status: string }>('SELECT status FROM alerts WHERE id = $1', [alert]))
          .rows[0]!.status,
      (s) => s === 'open',
      20_000,
    )
    expect(status).toBe('open')
  })
})
