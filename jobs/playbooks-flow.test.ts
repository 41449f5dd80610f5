import { randomBytes } from 'node:crypto'
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { addAccount, addAlert, addRule } from '../api/test-support.js'
import { startJobs } from '../cli/runtime.js'
import { addUser } from '../crm/test-fixtures.js'
import { tasksOf } from '../crm/test-playbooks.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import type { Db } from '../platform/postgres.js'
import { buildTestApp } from '../test/app.js'
import { useTestClickHouse } from '../test/clickhouse.js'
import { finished } from '../test/jobs.js'
import { useTestPostgres } from '../test/postgres.js'

let ch: ClickHouse
let db: Db
beforeAll(async () => {
  ch = await useTestClickHouse()
  db = await useTestPostgres()
})

describe('when two workers take playbooks jobs at the same time', () => {
  it("creates each alert's playbook tasks once, from the built-ins installed at start", async () => {
    const { runtime } = await buildTestApp(
      { ch, db },
      { QUEUE_PREFIX: `test-${randomBytes(6).toString('hex')}` },
    )
    const first = await startJobs(runtime, { schedule: false })
    const second = await startJobs(runtime, { schedule: false })
    onTestFinished(async () => {
      for (const q of Object.values(first.workers.queues)) await q.obliterate({ force: true })
      await second.close()
      await first.close()
    })
    const csm = await addUser(db, 'casey', 'csm')
    await addRule(db, 'usage-drop')
    const tenants: string[] = []
    for (let i = 0; i < 8; i++) {
      const tenantId = `flow-${i}`
      await addAccount(db, tenantId, 'customer')
      await db.query('UPDATE accounts SET csm_id = $2 WHERE tenant_id = $1', [tenantId, csm])
      await addAlert(db, { tenantId, ruleId: 'usage-drop', severity: 'critical' })
      tenants.push(tenantId)
    }
    // A Date keeps milliseconds, Postgres microseconds: let the last alert be in the past.
    await new Promise((resolve) => setTimeout(resolve, 5))
    const queue = first.workers.queues.playbooks
    const jobs = await Promise.all([
      queue.add('playbooks', { trigger: 'manual' }),
      second.workers.queues.playbooks.add('playbooks', { trigger: 'manual' }),
    ])
    const results = (await Promise.all(jobs.map((job) => finished(queue, job)))) as Array<{
      created: Record<string, number>
    }>
    const created = results.reduce((n, r) => n + (r.created['high-churn-alert'] ?? 0), 0)
    expect(created).toBe(16)
    for (const tenantId of tenants) {
      const tasks = await tasksOf(db, tenantId)
      expect(tasks.map((task) => [task.template_key, task.assignee_id])).toEqual([
        ['call', csm],
        ['recovery-meeting', csm],
      ])
    }
  })
})
