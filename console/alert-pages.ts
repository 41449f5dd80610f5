import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { type AlertStatus, alertStatuses } from '../api/alert-state.js'
import { alertsController } from '../api/alerts-controller.js'
import type { Alert } from '../api/alerts-schemas.js'
import { getAlert } from '../api/alerts-store.js'
import { idText } from '../api/cursor.js'
import { alertSource, streamRows } from '../api/live-stream.js'
import { tasksController } from '../api/tasks-controller.js'
import type { Task } from '../api/tasks-schemas.js'
import { AppError } from '../platform/errors.js'
import type { Db } from '../platform/postgres.js'
import { healthView, whyItFired } from './evidence-view.js'
import { type Html, html } from './html.js'
import { csrfField, href, notice, page, pager, when } from './layout.js'
import type { ConsoleOptions } from './plugin.js'
import { accountSummaries, activePeople, type Person, ruleVersions } from './reads.js'
import type { ConsoleSession } from './sessions.js'

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional())

const boardQuery = z.object({
  status: optional(z.enum(alertStatuses)),
  cursor: optional(z.string().max(512)),
  done: optional(z.string().max(40)),
})

const tabs: Array<[AlertStatus, string]> = [
  ['open', 'Open'],
  ['acknowledged', 'Acknowledged'],
  ['snoozed', 'Snoozed'],
  ['resolved', 'Resolved'],
]

const doneWords: Record<string, string> = {
  acknowledge: 'Alert acknowledged.',
  snooze: 'Alert snoozed: it reopens on the day you chose.',
  resolve: 'Alert resolved.',
  assign: 'Assignee saved.',
}

interface CardContext {
  session: ConsoleSession
  people: Person[]
  moduleNames: ReadonlyMap<string, string>
}

/** Who asks for the cards, and whether the API lets that role list tasks. */
interface TaskReader {
  session: ConsoleSession
  mayListTasks: boolean
  escalateDays: number
}

/** Everything a set of alert cards shows besides the alerts: accounts, rules, tasks. */
async function cardData(db: Db, alerts: Alert[], reader: TaskReader) {
  const clock = { now: new Date(), escalateDays: reader.escalateDays }
  const [accounts, rules, tasks] = await Promise.all([
    accountSummaries(
      db,
      alerts.map((a) => a.tenantId),
    ),
    ruleVersions(db, alerts),
    // GET /api/tasks?alert= for each card, with the key's own visibility.
    Promise.all(
      alerts.map(
        async (a): Promise<[string, Task[]]> => [
          a.id,
          reader.mayListTasks
            ? (
                await tasksController.list(
                  db,
                  reader.session.identity,
                  { alert: a.id, limit: 20 },
                  clock,
                )
              ).items
            : [],
        ],
      ),
    ),
  ])
  return { accounts, rules, tasks: new Map(tasks) }
}

const taskStatusWords: Record<Task['status'], string> = {
  open: 'open',
  done: 'done',
  cancelled: 'cancelled',
}

function alertTasks(tasks: Task[] | undefined, alertId: string): Html {
  if (!tasks || tasks.length === 0) return html``
  return html`<section class="alert-tasks" aria-labelledby="alert-${alertId}-tasks">
    <h3 id="alert-${alertId}-tasks">Tasks</h3>
    <ul class="plain">${tasks.map(
      (t) =>
        html`<li><span class="badge status-${t.status}">${taskStatusWords[t.status]}</span> ${t.title}
        <span class="muted">· ${t.status === 'open' ? html`due ${when(t.dueAt)}${t.overdueDays !== null ? html`, <strong class="late">${t.overdueDays} day${t.overdueDays === 1 ? '' : 's'} late</strong>` : ''}` : t.outcome ? `outcome: ${t.outcome}` : ''}</span></li>`,
    )}</ul>
  </section>`
}

const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)

function card(alert: Alert, data: Awaited<ReturnType<typeof cardData>>, ctx: CardContext): Html {
  const account = data.accounts.get(alert.tenantId)
  const id = `alert-${alert.id}`
  const person = ctx.people.find((p) => p.id === alert.assigneeId)
  const form = (
    action: string,
    inner: Html,
    label: string,
    kind = '',
  ) => html`<form method="post" action="/alerts/${alert.id}/${action}" hx-post="/alerts/${alert.id}/${action}" hx-target="#${id}" hx-swap="outerHTML" class="inline-form">
      ${csrfField(ctx.session)}${inner}<button type="submit"${kind ? html` class="${kind}"` : ''}>${label}</button></form>`
  const live = alert.status !== 'resolved'
  return html`<article class="card sev-${alert.severity}" id="${id}" aria-labelledby="${id}-title">
    <header class="card-head">
      <h2 id="${id}-title">${alert.title}</h2>
      <span class="badge sev-${alert.severity}">${alert.severity}</span>
      <span class="badge status-${alert.status}">${alert.status}${alert.status === 'snoozed' && html` until ${when(alert.snoozedUntil, { date: true })}`}</span>
    </header>
    <p class="meta"><a href="/accounts/${encodeURIComponent(alert.tenantId)}">${account?.name || alert.tenantId}</a>
      · opened ${when(alert.openedAt)} · ${person ? html`assigned to ${person.name}` : alert.assigneeId ? `assigned to user ${alert.assigneeId}` : 'unassigned'}</p>
    ${alert.resolution && html`<p class="note"><strong>Resolution:</strong> ${alert.resolution}</p>`}
    <div class="card-body">
      ${whyItFired({ ruleId: alert.ruleId, ruleVersion: alert.ruleVersion, rule: data.rules.get(`${alert.ruleId}@${alert.ruleVersion}`), evidence: alert.evidence, moduleNames: ctx.moduleNames })}
      <div>${healthView(account?.healthScore ?? null, account?.healthComponents ?? {})}</div>
    </div>
    ${alertTasks(data.tasks.get(alert.id), alert.id)}
    ${
      live &&
      html`<div class="actions">
      ${alert.status !== 'acknowledged' && form('acknowledge', html``, 'Acknowledge')}
      ${form('snooze', html`<div class="field"><label for="${id}-until">Snooze until</label><input id="${id}-until" name="until" type="date" min="${tomorrow()}" value="${tomorrow()}" required></div>`, 'Snooze', 'secondary')}
      ${form('assign', html`<div class="field"><label for="${id}-assignee">Assignee</label><select id="${id}-assignee" name="assigneeId"><option value="">nobody</option>${ctx.people.map((p) => html`<option value="${p.id}"${p.id === alert.assigneeId ? html` selected` : ''}>${p.name}</option>`)}</select></div>`, 'Assign', 'secondary')}
      ${form('resolve', html`<div class="field grow"><label for="${id}-resolution">Resolution</label><input id="${id}-resolution" name="resolution" required maxlength="2000" placeholder="what you did, or why nothing is needed"></div>`, 'Resolve')}
    </div>`
    }
  </article>`
}

const actionBody = z.object({
  until: optional(z.iso.date('choose a day')),
  resolution: optional(z.string().trim().max(2000)),
  assigneeId: optional(idText),
})

const actionApi = {
  acknowledge: 'POST /api/alerts/:id/acknowledge',
  snooze: 'POST /api/alerts/:id/snooze',
  resolve: 'POST /api/alerts/:id/resolve',
  assign: 'POST /api/alerts/:id/assign',
} as const

export async function alertPages(app: FastifyInstance, options: ConsoleOptions) {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const { db, routeRoles } = options
  const moduleNames = new Map(options.catalogue.modules.map((m) => [m.key, m.name]))
  const pollMs = options.streamPollMs ?? 1000
  const people = () => activePeople(db, ['csm', 'admin'])
  const reader = (session: ConsoleSession): TaskReader => ({
    session,
    mayListTasks: (routeRoles.rolesOf('GET /api/tasks') as readonly string[]).includes(
      session.identity.role,
    ),
    escalateDays: options.escalateDays,
  })
  const context = async (request: FastifyRequest): Promise<CardContext> => ({
    session: request.consoleSession!,
    people: await people(),
    moduleNames,
  })

  api.get(
    '/alerts',
    { config: { api: 'GET /api/alerts' }, schema: { querystring: boardQuery } },
    async (request, reply) => {
      const status = request.query.status ?? 'open'
      // Read before the cards: the stream starts after it, so an alert opened meanwhile
      // still arrives.
      const newest = await alertSource.newest(db)
      const result = await alertsController.list(db, {
        status,
        cursor: request.query.cursor,
        limit: 20,
      })
      const [data, ctx] = await Promise.all([
        cardData(db, result.items, reader(request.consoleSession!)),
        context(request),
      ])
      const body = html`<h1>Alert board</h1>
      ${notice(request.query.done ? doneWords[request.query.done] : undefined)}
      <nav class="tabs" aria-label="Alert status">
        <ul>${tabs.map(([value, label]) => html`<li><a href="${href('/alerts', { status: value })}"${value === status ? html` aria-current="page"` : ''}>${label}</a></li>`)}</ul>
      </nav>
      <p class="muted">Churn alerts on customers, newest first. Churn risk from a model is not shown yet: no account has one.</p>
      <div class="live" hx-ext="sse" sse-connect="/alerts/stream?after=${newest}">
        <div id="alert-cards" class="cards"${status === 'open' && !request.query.cursor ? html` sse-swap="alert.opened" hx-swap="afterbegin"` : ''}>
          ${result.items.length === 0 ? html`<p class="empty">No ${status} alerts.</p>` : result.items.map((a) => card(a, data, ctx))}
        </div>
      </div>
      ${pager('/alerts', { status, cursor: request.query.cursor }, result.nextCursor)}`
      return reply.type('text/html; charset=utf-8').send(
        page({
          title: 'Alert board',
          session: request.consoleSession,
          roles: routeRoles,
          current: '/alerts',
          body,
        }).text,
      )
    },
  )

  api.get(
    '/alerts/stream',
    { config: { api: 'GET /api/alerts/stream' } },
    async (request, reply) => {
      const ctx = await context(request)
      const source = {
        event: 'alert.opened',
        async read(database: Db, after: string, limit: number) {
          const { rows } = await database.query<{ id: string }>(
            'SELECT id FROM alerts WHERE id > $1::bigint ORDER BY id LIMIT $2',
            [after, limit],
          )
          const out = []
          for (const { id } of rows) {
            const alert = await getAlert(database, id)
            if (alert)
              out.push({
                id,
                html: card(alert, await cardData(database, [alert], reader(ctx.session)), ctx).text,
              })
          }
          return out
        },
        newest: alertSource.newest,
      }
      return streamRows(db, source, request, reply, pollMs, (row) => String(row.html))
    },
  )

  for (const action of ['acknowledge', 'snooze', 'resolve', 'assign'] as const) {
    api.post(
      `/alerts/:id/${action}`,
      {
        config: { api: actionApi[action] },
        schema: { params: z.object({ id: idText }), body: actionBody },
      },
      async (request, reply) => {
        const who = request.consoleSession!.identity
        const { id } = request.params
        const body = request.body
        if (action === 'acknowledge') await alertsController.acknowledge(db, who, id)
        if (action === 'snooze') {
          if (!body.until)
            throw new AppError('BAD_REQUEST', 'choose the day the alert should reopen')
          await alertsController.snooze(db, who, id, `${body.until}T00:00:00Z`)
        }
        if (action === 'resolve') {
          if (!body.resolution) throw new AppError('BAD_REQUEST', 'say how the alert was resolved')
          await alertsController.resolve(db, who, id, body.resolution)
        }
        if (action === 'assign') await alertsController.assign(db, who, id, body.assigneeId ?? null)
        return answer(request, reply, id, action)
      },
    )
  }

  async function answer(request: FastifyRequest, reply: FastifyReply, id: string, action: string) {
    if (request.headers['hx-request'] === undefined) {
      const referer = request.headers.referer ?? ''
      const status = /[?&]status=(\w+)/.exec(referer)?.[1]
      return reply.redirect(href('/alerts', { status, done: action }), 303)
    }
    const alert = (await getAlert(db, id))!
    const updated = card(
      alert,
      await cardData(db, [alert], reader(request.consoleSession!)),
      await context(request),
    )
    // The card in place, and the words in the notice area for screen readers.
    const words = html`<div id="notice" class="notice" role="status" hx-swap-oob="true">${doneWords[action] ?? ''}</div>`
    return reply.type('text/html; charset=utf-8').send(html`${updated}${words}`.text)
  }
}
