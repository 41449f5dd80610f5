import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { rulesController } from '../api/rules-controller.js'
import { html } from './html.js'
import { page, when } from './layout.js'
import type { ConsoleOptions } from './plugin.js'
import { ruleHeaders } from './rule-reads.js'

/** The data team's list: every rule, its status, the version that runs and the newest. */
export async function rulePages(app: FastifyInstance, options: ConsoleOptions) {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const { db, ch, catalogue, routeRoles } = options

  api.get('/rules', { config: { api: 'GET /api/rules' } }, async (request, reply) => {
    const { items } = await rulesController.list({ db, ch, catalogue })
    const headers = await ruleHeaders(db)
    const body = html`<h1>Rules</h1>
      <p class="muted">Rules are data: open one to edit it as JSON, dry-run it, backtest a draft against the version that runs, and activate a version.</p>
      <table class="list">
        <caption>${items.length} rules</caption>
        <thead><tr><th scope="col">Rule</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Runs</th><th scope="col">Newest</th><th scope="col">Changed</th></tr></thead>
        <tbody>
          ${items.map((r) => {
            const h = headers.get(r.id)
            return html`<tr>
              <td><a href="/rules/${r.id}">${r.name}</a><span class="muted block"><code>${r.id}</code></span></td>
              <td>${r.kind === 'abm' ? 'lead (ABM)' : 'churn alert'}</td>
              <td><span class="badge status-${r.status}">${r.status}</span></td>
              <td>${h?.activeVersion ? `version ${h.activeVersion}` : '—'}</td>
              <td>version ${r.version}${h && h.activeVersion !== null && r.version > h.activeVersion ? html` <span class="badge">draft</span>` : ''}</td>
              <td>${when(h?.updatedAt)}</td>
            </tr>`
          })}
        </tbody>
      </table>`
    return reply.type('text/html; charset=utf-8').send(
      page({
        title: 'Rules',
        session: request.consoleSession,
        roles: routeRoles,
        current: '/rules',
        body,
      }).text,
    )
  })
}
