import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { accountsController } from '../api/accounts-controller.js'
import type { Usage } from '../api/accounts-schemas.js'
import { queryRows } from '../platform/clickhouse.js'
import { loadSql } from '../platform/sql.js'
import { healthView, whyItFired } from './evidence-view.js'
import { html } from './html.js'
import { notice, page, when } from './layout.js'
import type { ConsoleOptions } from './plugin.js'
import { actorNames, dealsOf, ruleVersions } from './reads.js'
import { alertsOf, taskItem } from './task-pages.js'

const dayMs = 86_400_000
const chartDays = 90
const day = (d: Date) => d.toISOString().slice(0, 10)

const actionWords: Record<string, string> = {
  lead_entered: 'Became a lead',
  lead_disqualified: 'Lead disqualified',
  lead_updated: 'Lead updated',
  opportunity_opened: 'Opportunity opened',
  first_order: 'First order: became a customer',
  alert_acknowledged: 'Alert acknowledged',
  alert_snoozed: 'Alert snoozed',
  alert_resolved: 'Alert resolved',
  alert_assigned: 'Alert assigned',
  alert_woken: 'Snoozed alert reopened',
  task_created: 'Task added',
  task_updated: 'Task changed',
  task_completed: 'Task done',
  task_cancelled: 'Task cancelled',
  task_overdue: 'Task escalated: overdue',
}

/** Events per day per module, for the chart and its table. */
export function usageSeries(usage: Usage) {
  const start = Date.parse(`${usage.from}T00:00:00Z`)
  const end = Date.parse(`${usage.to}T00:00:00Z`)
  const days: string[] = []
  for (let t = start; t <= end; t += dayMs) days.push(day(new Date(t)))
  const index = new Map(days.map((d, i) => [d, i]))
  const perModule = new Map<string, number[]>()
  for (const d of usage.days) {
    for (const m of d.modules) {
      const values = perModule.get(m.module) ?? days.map(() => 0)
      values[index.get(d.day)!]! += m.events
      perModule.set(m.module, values)
    }
  }
  return { days, series: [...perModule].map(([module, values]) => ({ module, values })) }
}

export async function accountPage(app: FastifyInstance, options: ConsoleOptions) {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const { db, ch, routeRoles } = options
  const moduleNames = new Map(options.catalogue.modules.map((m) => [m.key, m.name]))
  // Events the catalogue placed in no module (a page outside every module's paths).
  const moduleName = (key: string) => moduleNames.get(key) ?? (key || 'No module')

  api.get(
    '/accounts/:tenantId',
    {
      config: { api: 'GET /api/accounts/:tenantId' },
      schema: { params: z.object({ tenantId: z.string().min(1).max(200) }) },
    },
    async (request, reply) => {
      const session = request.consoleSession!
      const { tenantId } = request.params
      // The API's view first: it refuses an account of the other side with the reason.
      const view = await accountsController.view(db, session.identity, tenantId, {
        now: new Date(),
        escalateDays: options.escalateDays,
      })
      const [last] = await queryRows<{ last_day: string; found: number | boolean }>(
        ch,
        loadSql('clickhouse/queries/account-last-usage-day'),
        { tenantId, to: day(new Date()) },
      )
      const to = last && Number(last.found) ? last.last_day : day(new Date())
      const from = day(new Date(Date.parse(to) - (chartDays - 1) * dayMs))
      const usage = await accountsController.usage({ db, ch }, session.identity, tenantId, {
        from,
        to,
      })
      const { days, series } = usageSeries(usage)
      const recent = usage.days.slice(-7)
      const peak = recent.reduce((max, d) => Math.max(max, d.activeUsers), 0)
      const latest = usage.days.at(-1)
      const deals = await dealsOf(db, tenantId)
      const rules = await ruleVersions(db, [...view.intentSignals, ...view.openAlerts])
      const actor = await actorNames(
        db,
        view.history.map((h) => h.actor),
      )
      const a = view.account
      const taskContext = { session, roles: routeRoles, alerts: await alertsOf(db, view.openTasks) }
      const escalated = view.openTasks.filter((t) => t.escalated).length
      const chart = JSON.stringify({
        x: days,
        series: series.map((s) => ({
          label: moduleName(s.module),
          values: s.values,
        })),
        yLabel: 'events a day',
      })
      const body = html`<p class="crumbs">${session.identity.role === 'csm' ? html`<a href="/alerts">Alert board</a>` : html`<a href="/leads">Lead inbox</a>`} › account</p>
        <h1>${a.name || a.tenantId}</h1>
        <dl class="facts">
          <div><dt>Tenant</dt><dd>${a.tenantId}</dd></div>
          <div><dt>Lifecycle</dt><dd><span class="badge">${a.lifecycle}</span></dd></div>
          <div><dt>Plan</dt><dd>${a.plan}</dd></div>
          <div><dt>MRR</dt><dd>${a.mrr ?? '—'}</dd></div>
          <div><dt>Seats</dt><dd>${a.seats ?? 'unknown'}</dd></div>
          <div><dt>Priority</dt><dd>${view.priority === 'raised' ? html`<span class="badge sev-high">raised</span> <span class="muted">${escalated} open task${escalated === 1 ? ' is' : 's are'} ${options.escalateDays} or more days overdue</span>` : 'normal'}</dd></div>
          <div><dt>Active users</dt><dd>${latest ? html`${latest.activeUsers} on ${when(latest.day, { date: true })}; at most ${peak} a day in the last 7 days with use` : 'no use recorded'}</dd></div>
        </dl>
        <section aria-labelledby="tasks-title">
          <h2 id="tasks-title">Open tasks</h2>
          ${notice(undefined)}
          ${
            view.openTasks.length === 0
              ? html`<p class="muted">None.</p>`
              : html`<div class="cards">${view.openTasks.map((t) => taskItem(t, taskContext, { account: false }))}</div>`
          }
        </section>
        <section aria-labelledby="usage-title">
          <h2 id="usage-title">Daily usage per module</h2>
          <p class="muted">${chartDays} days up to ${when(to, { date: true })}${last && Number(last.found) ? ', the last day with any use' : ''}: distinct events a day.</p>
          ${
            series.length === 0
              ? html`<p class="empty">No usage in these days.</p>`
              : html`<div class="chart" data-chart="${chart}" role="img" aria-label="Line chart of daily events per module from ${from} to ${to}; the table below has the totals."></div>
          <table class="list compact">
            <caption>Events per module in these ${chartDays} days</caption>
            <thead><tr><th scope="col">Module</th><th scope="col">Events</th><th scope="col">Days used</th></tr></thead>
            <tbody>${series.map((s) => html`<tr><th scope="row">${moduleName(s.module)}</th><td class="num">${s.values.reduce((x, y) => x + y, 0)}</td><td class="num">${s.values.filter((v) => v > 0).length}</td></tr>`)}</tbody>
          </table>`
          }
        </section>
        <section aria-labelledby="health-title">
          <h2 id="health-title">Health</h2>
          ${healthView(a.health.score, a.health.components)}
        </section>
        <div class="two">
          <section aria-labelledby="alerts-title">
            <h2 id="alerts-title">Open alerts</h2>
            ${
              view.openAlerts.length === 0
                ? html`<p class="muted">None.</p>`
                : html`<ul class="plain">${view.openAlerts.map((al) => html`<li><span class="badge sev-${al.severity}">${al.severity}</span> ${al.title} <span class="muted">(${al.status}, ${when(al.openedAt)})</span></li>`)}</ul>`
            }
          </section>
          <section aria-labelledby="deals-title">
            <h2 id="deals-title">Opportunities and orders</h2>
            ${deals.opportunities.length === 0 && deals.orders.length === 0 ? html`<p class="muted">None yet.</p>` : ''}
            ${
              deals.opportunities.length > 0 &&
              html`<table class="list compact"><caption>Opportunities</caption>
              <thead><tr><th scope="col">Kind</th><th scope="col">Stage</th><th scope="col">Amount</th><th scope="col">Opened</th></tr></thead>
              <tbody>${deals.opportunities.map((o) => html`<tr><td>${o.kind}</td><td>${o.stage.replace('_', ' ')}</td><td class="num">${o.amount ?? '—'}</td><td>${when(o.created_at.toISOString(), { date: true })}</td></tr>`)}</tbody></table>`
            }
            ${
              deals.orders.length > 0 &&
              html`<table class="list compact"><caption>Orders</caption>
              <thead><tr><th scope="col">Order</th><th scope="col">Revenue</th><th scope="col">Modules</th><th scope="col">Date</th></tr></thead>
              <tbody>${deals.orders.map((o) => html`<tr><td>${o.order_id}</td><td class="num">${o.revenue}</td><td>${o.modules.map((m) => moduleNames.get(m) ?? m).join(', ')}</td><td>${when(o.ordered_at.toISOString(), { date: true })}</td></tr>`)}</tbody></table>`
            }
          </section>
        </div>
        <section aria-labelledby="signals-title">
          <h2 id="signals-title">Intent signals</h2>
          ${
            view.intentSignals.length === 0
              ? html`<p class="muted">No rule has fired for this account.</p>`
              : view.intentSignals.slice(0, 10).map((s) =>
                  whyItFired({
                    ...s,
                    rule: rules.get(`${s.ruleId}@${s.ruleVersion}`),
                    moduleNames,
                  }),
                )
          }
        </section>
        <section aria-labelledby="timeline-title">
          <h2 id="timeline-title">Lifecycle timeline</h2>
          <ol class="timeline">
            ${view.history.map(
              (h) => html`<li><span class="when">${when(h.at)}</span>
              <strong>${actionWords[h.action] ?? h.action.replaceAll('_', ' ')}</strong>${h.fromState && h.toState ? html` <span class="muted">${h.fromState} → ${h.toState}</span>` : ''}
              <span class="block">${h.reason}</span> <span class="muted block">by ${actor(h.actor)}</span></li>`,
            )}
          </ol>
        </section>`
      return reply
        .type('text/html; charset=utf-8')
        .send(
          page({ title: a.name || a.tenantId, session, roles: routeRoles, charts: true, body })
            .text,
        )
    },
  )

  // The account search box: an exact tenant id opens its page.
  api.get(
    '/accounts',
    {
      config: { api: 'GET /api/accounts/:tenantId' },
      schema: { querystring: z.object({ tenant: z.string().trim().min(1).max(200) }) },
    },
    (request, reply) =>
      reply.redirect(`/accounts/${encodeURIComponent(request.query.tenant)}`, 303),
  )
}
