import path from 'node:path'
import { createApiKey } from '../api/api-keys.js'
import { buildApp } from '../api/app.js'
import { applyFirings } from '../crm/apply-firings.js'
import { evaluateActiveRules } from '../jobs/evaluate-rules.js'
import { evaluateNow } from '../jobs/queues.js'
import { runPlaybooks } from '../jobs/run-playbooks.js'
import { syncCrm } from '../jobs/sync-crm.js'
import { updateHealthScores } from '../jobs/update-health-scores.js'
import type { Config } from '../platform/config.js'
import type { Logger } from '../platform/logger.js'
import { runBackfill } from '../sim/run-simulation.js'
import { defaultStart } from '../sim/simulation-spec.js'
import { startJobs, startRuntime } from './runtime.js'

const say = (line = '') => process.stdout.write(`${line}\n`)

/**
 * `npm run demo`: the service on the embedded defaults, a small simulated world's last
 * 45 days backfilled, the lifecycle synced, the rules run, and what a sales rep and a
 * CSM would see printed, with the URLs and keys to look further. It keeps serving until
 * Ctrl-C. Running it again is safe: the backfill writes the same rows, which fold.
 */
export async function runDemo(config: Config, log: Logger): Promise<number> {
  const runtime = await startRuntime(config, log)
  const jobs = await startJobs(runtime)
  runtime.enqueueEvaluate = evaluateNow(jobs.workers.queues.evaluate, runtime.db)
  const app = await buildApp(runtime)
  const address = await app.listen({ host: config.HOST, port: config.PORT })
  const stop = async () => {
    await app.close()
    await jobs.close()
    await runtime.close()
    process.exit(0)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  const { db, ch } = runtime

  const people = await db.query<{ n: string }>('SELECT count(*) AS n FROM users')
  if (people.rows[0]!.n === '0') {
    await db.query(`INSERT INTO users (name, email, role) VALUES
      ('Sam Seller', 'sam@demo.test', 'sales'), ('Casey Care', 'casey@demo.test', 'csm'), ('Chris Care', 'chris@demo.test', 'csm')`)
  }
  const days = 45
  say(`TenantPulse demo: ${address} (data in ${config.dataDir})\n`)
  await runBackfill(
    {
      spec: {
        seed: 'tenantpulse',
        scale: 'small',
        days,
        start: defaultStart(days, Date.now()),
        modulesFile: config.modulesFile,
      },
      outDir: path.join(config.dataDir, 'simulation'),
      ch,
      limits: config,
    },
    { stdout: process.stdout, stderr: process.stderr },
  )
  const synced = await syncCrm(
    { ch, db },
    {
      overlapMs: config.CRM_SYNC_OVERLAP_SECONDS * 1000,
      pageSize: 5000,
      freePlans: config.FREE_PLANS,
    },
  )
  say(`crm-sync: ${synced.applied} lifecycle events applied (${synced.duplicates} seen before)`)
  for (const kind of ['abm', 'churn'] as const) {
    const result = await evaluateActiveRules(
      { ch, db, modules: runtime.catalogue.modules },
      { kind },
    )
    const applied = await applyFirings(db, result.firings, new Date(`${result.asOf}T00:00:00Z`))
    say(
      `${kind} rules: ${result.rules} rules, ${result.firings.length} firings → ${applied.leadsOpened} leads opened, ${applied.alertsOpened} alerts opened`,
    )
  }
  await updateHealthScores(
    { ch, db },
    { asOf: new Date(), modulesAvailable: runtime.catalogue.modules.length },
  )
  // What the playbooks job would make of it on its first run: the follow-up tasks.
  const playbooks = await runPlaybooks(
    { db },
    { now: new Date(), escalateAfterDays: config.TASK_OVERDUE_ESCALATE_DAYS },
  )
  const created = Object.values(playbooks.created).reduce((a, b) => a + b, 0)
  say(`playbooks: ${playbooks.playbooks} active, ${created} follow-up tasks created`)

  say('\nA sales rep sees the lead inbox: free tenants with buying intent, and why:')
  const leads = await db.query<{
    tenant_id: string
    name: string
    score: number
    intent_tags: string[]
    evidence: Record<string, unknown> | null
    rule_id: string | null
  }>(
    `SELECT l.tenant_id, a.name, l.score, l.intent_tags, s.evidence, s.rule_id
     FROM leads l JOIN accounts a USING (tenant_id)
     LEFT JOIN LATERAL (SELECT evidence, rule_id FROM intent_signals WHERE lead_id = l.id ORDER BY fired_at DESC, id DESC LIMIT 1) s ON true
     WHERE l.status IN ('open', 'working') ORDER BY l.score DESC, l.id LIMIT 8`,
  )
  for (const l of leads.rows)
    say(
      `  ${l.tenant_id.padEnd(8)} ${l.name.slice(0, 24).padEnd(24)} score ${String(l.score).padStart(3)}  ${l.intent_tags.join(', ')}  ← ${l.rule_id}: ${brief(l.evidence)}`,
    )

  say('\nA CSM sees open churn alerts on their customers, with the evidence:')
  const alerts = await db.query<{
    tenant_id: string
    severity: string
    title: string
    csm: string | null
    health_score: number | null
  }>(
    `SELECT al.tenant_id, al.severity, al.title, u.name AS csm, a.health_score
     FROM alerts al JOIN accounts a USING (tenant_id) LEFT JOIN users u ON u.id = al.assignee_id
     WHERE al.status <> 'resolved' ORDER BY CASE al.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, al.id LIMIT 8`,
  )
  for (const a of alerts.rows)
    say(
      `  ${a.tenant_id.padEnd(8)} ${a.severity.padEnd(6)} health ${String(a.health_score ?? '-').padStart(3)}  ${a.title}  → ${a.csm ?? 'unassigned'}`,
    )

  // The sales and CSM keys speak for a person, so that "my tasks" means someone: the
  // CSM with the most open tasks.
  const person = async (sql: string) => (await db.query<{ id: string }>(sql)).rows[0]?.id
  const seller = await person("SELECT id::text AS id FROM users WHERE email = 'sam@demo.test'")
  const carer = await person(
    `SELECT u.id::text AS id FROM users u LEFT JOIN tasks t ON t.assignee_id = u.id AND t.status = 'open'
     WHERE u.role = 'csm' GROUP BY u.id ORDER BY count(t.id) DESC, u.id LIMIT 1`,
  )
  const sales = await createApiKey(db, { role: 'sales', name: 'demo sales', userId: seller })
  const csm = await createApiKey(db, { role: 'csm', name: 'demo csm', userId: carer })
  const data = await createApiKey(db, { role: 'data', name: 'demo data team' })
  const admin = await createApiKey(db, { role: 'admin', name: 'demo admin' })
  say(`
Look further (keys made for this demo, shown once):
  API docs        ${address}/docs
  lead inbox      curl -H 'authorization: Bearer ${sales.key}' ${address}/api/leads
  alerts          curl -H 'authorization: Bearer ${csm.key}' ${address}/api/alerts
  an account      curl -H 'authorization: Bearer ${csm.key}' ${address}/api/accounts/<tenantId>
  backtest        curl -H 'authorization: Bearer ${data.key}' -H 'content-type: application/json' \\
                    -d '{"ruleId":"paid-module-interest","from":"${defaultStart(days - 7, Date.now())}","to":"${defaultStart(15, Date.now())}"}' ${address}/api/rules/backtest
  metrics         ${address}/metrics

Serving until Ctrl-C; the rules run on their schedule.

The console: ${address}/ — sign in with one of these keys (shown once):
  sales rep         ${sales.key}
  customer success  ${csm.key}
  data team         ${data.key}
  admin             ${admin.key}`)
  return -1
}

function brief(evidence: Record<string, unknown> | null): string {
  if (!evidence) return ''
  return Object.entries(evidence)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')
}
