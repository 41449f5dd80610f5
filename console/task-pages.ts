import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { idText } from '../api/cursor.js'
import type { RouteRoles } from '../api/route-roles.js'
import { tasksController } from '../api/tasks-controller.js'
import type { Task } from '../api/tasks-schemas.js'
import type { TaskClock } from '../api/tasks-store.js'
import { AppError } from '../platform/errors.js'
import type { Queryable } from '../platform/postgres.js'
import { type Html, html } from './html.js'
import { csrfField, href, notice, page, pager, when } from './layout.js'
import type { ConsoleOptions } from './plugin.js'
import type { ConsoleSession } from './sessions.js'

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional())

const typeWords: Record<Task['type'], string> = {
  call: 'Call',
  meeting: 'Meeting',
  training: 'Training',
  email: 'Email',
  feedback: 'Feedback',
  other: 'Follow-up',
}

const doneWords: Record<string, string> = {
  complete: 'Task done: its outcome is saved.',
  cancel: 'Task cancelled.',
}

const statusWords: Record<Task['status'], string> = {
  open: 'open',
  done: 'done',
  cancelled: 'cancelled',
}

const allowed = (roles: RouteRoles, route: string, role: string) =>
  (roles.rolesOf(route) as readonly string[]).includes(role)

/** What a task item needs besides the task: who looks, and what its alert is called. */
export interface TaskContext {
  session: ConsoleSession
  roles: RouteRoles
  alerts: ReadonlyMap<string, { title: string; status: string }>
}

/** The alerts some tasks belong to, for their titles (shown only beside a visible task). */
export async function alertsOf(db: Queryable, tasks: readonly Task[]) {
  const ids = [...new Set(tasks.map((t) => t.alertId).filter((id) => id !== null))]
  if (ids.length === 0) return new Map<string, { title: string; status: string }>()
  const { rows } = await db.query<{ id: string; title: string; status: string }>(
    'SELECT id::text, title, status FROM alerts WHERE id = ANY($1::bigint[])',
    [ids],
  )
  return new Map(rows.map((r) => [r.id, { title: r.title, status: r.status }]))
}

/** When a task is due, in words that say how late it is. */
function due(task: Task): Html {
  if (task.status !== 'open') return html`was due ${when(task.dueAt)}`
  if (task.overdueDays === null) return html`due ${when(task.dueAt)}`
  const late =
    task.overdueDays === 0
      ? 'less than a day late'
      : `${task.overdueDays} day${task.overdueDays === 1 ? '' : 's'} late`
  return html`<strong class="late">${late}</strong>, was due ${when(task.dueAt)}`
}

/**
 * One task as a card: what, on which account, when, what it belongs to, and (while open,
 * for a role the API lets close it) complete with an outcome, or cancel. The forms post
 * with htmx and the answer replaces the card, as the alert board's actions do.
 */
export function taskItem(task: Task, ctx: TaskContext, options: { account?: boolean } = {}) {
  const id = `task-${task.id}`
  const role = ctx.session.identity.role
  const alert = task.alertId ? ctx.alerts.get(task.alertId) : undefined
  const belongs = [
    task.alertId &&
      html`alert <a href="${href('/alerts', { status: alert?.status })}#alert-${task.alertId}">${alert?.title ?? `#${task.alertId}`}</a>`,
    task.leadId &&
      (allowed(ctx.roles, 'GET /api/leads', role)
        ? html`lead <a href="/leads/${task.leadId}">#${task.leadId}</a>`
        : html`lead #${task.leadId}`),
    task.opportunityId && html`opportunity #${task.opportunityId}`,
    task.playbook && html`playbook ${task.playbook.id}`,
  ].filter(Boolean)
  const form = (action: 'complete' | 'cancel', inner: Html, label: string, kind: string) =>
    html`<form method="post" action="/tasks/${task.id}/${action}" hx-post="/tasks/${task.id}/${action}" hx-target="#${id}" hx-swap="outerHTML" class="inline-form">
      ${csrfField(ctx.session)}${inner}<button type="submit" class="${kind}">${label}</button></form>`
  const canClose =
    task.status === 'open' && allowed(ctx.roles, 'POST /api/tasks/:id/complete', role)
  return html`<article class="card task${task.escalated ? ' escalated' : ''}" id="${id}" aria-labelledby="${id}-title">
    <header class="card-head">
      <h3 id="${id}-title"><span class="badge type">${typeWords[task.type]}</span> ${task.title}</h3>
      ${task.status !== 'open' && html`<span class="badge status-${task.status}">${statusWords[task.status]}</span>`}
      ${task.escalated && html`<span class="badge sev-high">escalated</span>`}
    </header>
    <p class="meta">${options.account !== false && html`<a href="/accounts/${encodeURIComponent(task.tenantId)}">${task.accountName || task.tenantId}</a> · `}${due(task)}${belongs.length > 0 && html` · for ${belongs.map((b, i) => html`${i > 0 ? ', ' : ''}${b}`)}`}</p>
    ${task.description && html`<p>${task.description}</p>`}
    ${task.outcome && html`<p class="note"><strong>${task.status === 'done' ? 'Outcome' : 'Why cancelled'}:</strong> ${task.outcome}</p>`}
    ${
      canClose &&
      html`<div class="actions">
      ${form('complete', html`<div class="field grow"><label for="${id}-outcome">Outcome</label><input id="${id}-outcome" name="outcome" required maxlength="2000" placeholder="what came of it"></div>`, 'Complete', '')}
      ${form('cancel', html`<div class="field"><label for="${id}-reason">Why cancel</label><input id="${id}-reason" name="reason" maxlength="2000" placeholder="optional"></div>`, 'Cancel task', 'secondary')}
    </div>`
    }
  </article>`
}

const tasksQuery = z.object({
  view: optional(z.enum(['all'])),
  cursor: optional(z.string().max(512)),
  done: optional(z.string().max(40)),
})

const dayMs = 86_400_000

/** Tonight and Sunday night, in UTC as every time in the console is. */
export function dayBounds(now: Date) {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
  const tonight = new Date(today + dayMs)
  // getUTCDay: Sunday 0; the week ends as Monday begins.
  const weekEnd = new Date(today + ((8 - now.getUTCDay()) % 7 || 7) * dayMs)
  return { tonight, weekEnd }
}

export async function taskPages(app: FastifyInstance, options: ConsoleOptions) {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const { db, routeRoles } = options
  const clock = (): TaskClock => ({ now: new Date(), escalateDays: options.escalateDays })
  const context = async (request: FastifyRequest, tasks: Task[]): Promise<TaskContext> => ({
    session: request.consoleSession!,
    roles: routeRoles,
    alerts: await alertsOf(db, tasks),
  })

  api.get(
    '/tasks',
    { config: { api: 'GET /api/tasks' }, schema: { querystring: tasksQuery } },
    async (request, reply) => {
      const session = request.consoleSession!
      const who = session.identity
      const now = clock()
      // A key without a CRM user has no tasks of its own ("mine" is refused by the API);
      // the open tasks it may see stand in, said as such.
      const mine = who.userId !== null
      const list = (query: {
        overdue?: boolean
        dueBefore?: string
        cursor?: string
        limit: number
      }) => tasksController.list(db, who, { mine, status: 'open', ...query }, now)
      const { tonight, weekEnd } = dayBounds(now.now)
      const intro = mine
        ? html`<p class="muted">Your open tasks, soonest due first. Times are UTC.</p>`
        : html`<p class="note">This key is not tied to a CRM user, so it has no tasks of its own. Below are the open tasks on the accounts a ${who.role} key sees.</p>`
      let body: Html
      if (request.query.view === 'all') {
        const result = await list({ cursor: request.query.cursor, limit: 50 })
        const ctx = await context(request, result.items)
        body = html`<p class="crumbs"><a href="/tasks">My tasks</a> › all open</p>
        <h1>${mine ? 'All my open tasks' : 'All open tasks'}</h1>
        ${notice(request.query.done ? doneWords[request.query.done] : undefined)}
        ${intro}
        <div class="cards">${result.items.length === 0 ? html`<p class="empty">No open tasks.</p>` : result.items.map((t) => taskItem(t, ctx))}</div>
        ${pager('/tasks', { view: 'all', cursor: request.query.cursor }, result.nextCursor)}`
      } else {
        const limit = 100
        const [overdue, today, week] = await Promise.all([
          list({ overdue: true, limit }),
          list({ overdue: false, dueBefore: tonight.toISOString(), limit }),
          list({ overdue: false, dueBefore: weekEnd.toISOString(), limit }),
        ])
        const later = week.items.filter((t) => Date.parse(t.dueAt) >= tonight.getTime())
        const ctx = await context(request, [...overdue.items, ...today.items, ...later])
        const section = (
          key: string,
          title: string,
          tasks: Task[],
          more: boolean,
          empty: string,
        ) => html`<section aria-labelledby="${key}-title" class="task-section">
          <h2 id="${key}-title">${title} <span class="count">(${tasks.length}${more ? '+' : ''})</span></h2>
          ${tasks.length === 0 ? html`<p class="muted">${empty}</p>` : html`<div class="cards">${tasks.map((t) => taskItem(t, ctx))}</div>`}
          ${more && html`<p><a href="${href('/tasks', { view: 'all' })}">More: all open tasks</a></p>`}
        </section>`
        body = html`<h1>${mine ? 'My tasks' : 'Open tasks'}</h1>
        ${notice(request.query.done ? doneWords[request.query.done] : undefined)}
        ${intro}
        ${section('overdue', 'Overdue', overdue.items, overdue.nextCursor !== null, 'Nothing overdue.')}
        ${section('today', 'Due today', today.items, today.nextCursor !== null, 'Nothing due today.')}
        ${section('week', 'Due later this week', later, week.nextCursor !== null, 'Nothing more due this week.')}
        <p><a href="${href('/tasks', { view: 'all' })}">All open tasks, including those due after this week</a></p>`
      }
      return reply.type('text/html; charset=utf-8').send(
        page({
          title: mine ? 'My tasks' : 'Open tasks',
          session,
          roles: routeRoles,
          current: '/tasks',
          body,
        }).text,
      )
    },
  )

  const actionBody = z.object({
    outcome: optional(z.string().trim().max(2000)),
    reason: optional(z.string().trim().max(2000)),
  })
  const actionApi = {
    complete: 'POST /api/tasks/:id/complete',
    cancel: 'POST /api/tasks/:id/cancel',
  } as const

  for (const action of ['complete', 'cancel'] as const) {
    api.post(
      `/tasks/:id/${action}`,
      {
        config: { api: actionApi[action] },
        schema: { params: z.object({ id: idText }), body: actionBody },
      },
      async (request, reply) => {
        const who = request.consoleSession!.identity
        const { id } = request.params
        let task: Task
        if (action === 'complete') {
          if (!request.body.outcome)
            throw new AppError('BAD_REQUEST', 'say what came of the task before completing it')
          task = (await tasksController.complete(db, who, id, request.body.outcome, clock())).task
        } else {
          task = (await tasksController.cancel(db, who, id, request.body.reason, clock())).task
        }
        if (request.headers['hx-request'] === undefined) {
          // Back to the page the form was on, which now shows the task closed.
          const referer = request.headers.referer ?? ''
          const from = /^https?:\/\/[^/]+(\/accounts\/[^?#]+)/.exec(referer)?.[1]
          return reply.redirect(from ?? href('/tasks', { done: action }), 303)
        }
        const item = taskItem(task, await context(request, [task]), {
          account: !request.headers['hx-current-url']?.toString().includes('/accounts/'),
        })
        const words = html`<div id="notice" class="notice" role="status" hx-swap-oob="true">${doneWords[action]}</div>`
        return reply.type('text/html; charset=utf-8').send(html`${item}${words}`.text)
      },
    )
  }
}
