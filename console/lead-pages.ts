import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { accountsController } from '../api/accounts-controller.js'
import { idText } from '../api/cursor.js'
import { leadsController } from '../api/leads-controller.js'
import { type Lead, leadStatuses } from '../api/leads-schemas.js'
import { getLead } from '../api/leads-store.js'
import { leadSource, streamRows } from '../api/live-stream.js'
import { AppError } from '../platform/errors.js'
import type { Db } from '../platform/postgres.js'
import { whyItFired } from './evidence-view.js'
import { html } from './html.js'
import { csrfField, href, notice, page, pager, when } from './layout.js'
import type { ConsoleOptions } from './plugin.js'
import { activePeople, type Person, ruleVersions } from './reads.js'

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional())

const inboxQuery = z.object({
  status: optional(z.enum([...leadStatuses, 'any'])),
  source: optional(z.enum(['abm', 'mql'])),
  module: optional(z.string().max(64)),
  owner: optional(idText),
  cursor: optional(z.string().max(512)),
  done: optional(z.string().max(40)),
})

const mqlBody = z.object({
  tenantId: z.string().trim().min(1, 'give the tenant id').max(200),
  score: optional(z.coerce.number().int().min(0).max(1000)),
  note: optional(z.string().max(2000)),
})

const doneWords: Record<string, string> = {
  taken: 'You took the lead: it is now being worked.',
  disqualified: 'The lead is disqualified; the account is a prospect again.',
  noted: 'The note is saved.',
  converted: 'The lead is converted: the account has a new-business opportunity.',
  mql: 'The MQL is entered: the account is a lead now.',
  owner: 'The owner is saved.',
}

const statusWords: Record<Lead['status'], string> = {
  open: 'open',
  working: 'being worked',
  converted: 'converted',
  disqualified: 'disqualified',
}

export function leadRow(lead: Lead, people: ReadonlyMap<string, string>, fresh = false) {
  return html`<tr${fresh ? html` class="fresh"` : ''}>
    <td class="num" data-label="Score">${lead.score}</td>
    <td data-label="Account"><a href="/leads/${lead.id}">${lead.accountName || lead.tenantId}</a>
      ${lead.accountName && lead.accountName !== lead.tenantId ? html`<span class="muted block">${lead.tenantId}</span>` : ''}</td>
    <td data-label="Status"><span class="badge status-${lead.status}">${statusWords[lead.status]}</span></td>
    <td data-label="Source">${lead.source === 'abm' ? 'rule' : 'MQL'}</td>
    <td data-label="Intent">${lead.intentTags.length ? lead.intentTags.map((t) => html`<span class="tag">${t}</span> `) : html`<span class="muted">—</span>`}</td>
    <td data-label="Owner">${lead.ownerId ? (people.get(lead.ownerId) ?? `user ${lead.ownerId}`) : html`<span class="muted">nobody</span>`}</td>
    <td data-label="Opened">${when(lead.createdAt)}</td>
  </tr>`
}

function select(
  name: string,
  label: string,
  value: string | undefined,
  choices: Array<[string, string]>,
) {
  return html`<div class="field"><label for="f-${name}">${label}</label>
    <select id="f-${name}" name="${name}">
      ${choices.map(([v, text]) => html`<option value="${v}"${v === (value ?? '') ? html` selected` : ''}>${text}</option>`)}
    </select></div>`
}

export async function leadPages(app: FastifyInstance, options: ConsoleOptions) {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const { db, routeRoles } = options
  const modules = options.catalogue.modules
  const moduleNames = new Map(modules.map((m) => [m.key, m.name]))
  const pollMs = options.streamPollMs ?? 1000
  const salesPeople = async (database: Db) => activePeople(database, ['sales', 'admin'])
  const names = (people: Person[]) => new Map(people.map((p) => [p.id, p.name]))

  api.get(
    '/leads',
    { config: { api: 'GET /api/leads' }, schema: { querystring: inboxQuery } },
    async (request, reply) => {
      const q = request.query
      const status = q.status ?? 'open'
      // Read before the rows: the stream starts after it, so a lead written meanwhile
      // still arrives.
      const newest = await leadSource.newest(db)
      const people = await salesPeople(db)
      const result = await leadsController.list(db, {
        status: status === 'any' ? undefined : status,
        source: q.source,
        module: q.module,
        owner: q.owner,
        cursor: q.cursor,
        limit: 25,
      })
      const who = names(people)
      const filters = { status, source: q.source, module: q.module, owner: q.owner }
      const table = html`<div id="inbox">
      <table class="list stacks">
        <caption>Leads, best score first${result.items.length === 0 ? html` — none match these filters` : ''}</caption>
        <thead><tr><th scope="col">Score</th><th scope="col">Account</th><th scope="col">Status</th><th scope="col">Source</th><th scope="col">Intent</th><th scope="col">Owner</th><th scope="col">Opened</th></tr></thead>
        <tbody id="lead-rows"${!q.cursor && status === 'open' ? html` sse-swap="lead.opened" hx-swap="afterbegin"` : ''}>
          ${result.items.map((lead) => leadRow(lead, who))}
        </tbody>
      </table>
      ${pager('/leads', { ...filters, cursor: q.cursor }, result.nextCursor)}
    </div>`
      if (request.headers['hx-request'] !== undefined && request.headers['hx-target'] === 'inbox') {
        return reply.type('text/html; charset=utf-8').send(table.text)
      }
      const body = html`<h1>Lead inbox</h1>
      ${notice(q.done ? doneWords[q.done] : undefined)}
      <div class="live" hx-ext="sse" sse-connect="/leads/stream?after=${newest}">
      <form class="filters" method="get" action="/leads" hx-get="/leads" hx-target="#inbox" hx-swap="outerHTML" hx-push-url="true" hx-trigger="change, submit">
        ${select('status', 'Status', status, [
          ['open', 'Open'],
          ['working', 'Being worked'],
          ['converted', 'Converted'],
          ['disqualified', 'Disqualified'],
          ['any', 'Any status'],
        ])}
        ${select('source', 'Source', q.source, [
          ['', 'Any source'],
          ['abm', 'Rule (ABM)'],
          ['mql', 'MQL'],
        ])}
        ${select('module', 'Module', q.module, [['', 'Any module'], ...modules.filter((m) => m.paid).map((m): [string, string] => [`module:${m.key}`, m.name])])}
        ${select('owner', 'Owner', q.owner, [['', 'Anyone'], ...people.map((p): [string, string] => [p.id, p.name])])}
        <button type="submit" class="secondary">Filter</button>
      </form>
      <p class="muted live-note">New leads appear at the top as the rules open them.</p>
      ${table}
      </div>
      <section aria-labelledby="mql-title" class="panel">
        <h2 id="mql-title">Enter an MQL</h2>
        <p class="muted">A prospect you met (a webinar, a call): it becomes a lead with source MQL.</p>
        <form method="post" action="/leads" class="inline-form">
          ${csrfField(request.consoleSession)}
          <div class="field"><label for="mql-tenant">Tenant id</label><input id="mql-tenant" name="tenantId" required maxlength="200"></div>
          <div class="field"><label for="mql-score">Score</label><input id="mql-score" name="score" type="number" min="0" max="1000" inputmode="numeric"></div>
          <div class="field grow"><label for="mql-note">Note</label><input id="mql-note" name="note" maxlength="2000"></div>
          <button type="submit">Enter MQL</button>
        </form>
      </section>`
      return reply.type('text/html; charset=utf-8').send(
        page({
          title: 'Lead inbox',
          session: request.consoleSession,
          roles: routeRoles,
          current: '/leads',
          body,
        }).text,
      )
    },
  )

  api.get('/leads/stream', { config: { api: 'GET /api/leads/stream' } }, async (request, reply) => {
    const who = names(await salesPeople(db))
    const source = {
      event: 'lead.opened',
      async read(database: Db, after: string, limit: number) {
        const { rows } = await database.query<{ id: string }>(
          "SELECT id FROM leads WHERE id > $1::bigint AND status = 'open' ORDER BY id LIMIT $2",
          [after, limit],
        )
        const out = []
        for (const { id } of rows) {
          const lead = await getLead(database, id)
          if (lead) out.push({ id, html: leadRow(lead, who, true).text })
        }
        return out
      },
      newest: leadSource.newest,
    }
    return streamRows(db, source, request, reply, pollMs, (row) => String(row.html))
  })

  api.post(
    '/leads',
    { config: { api: 'POST /api/leads' }, schema: { body: mqlBody } },
    async (request, reply) => {
      const { lead } = await leadsController.create(db, request.consoleSession!.identity, {
        tenantId: request.body.tenantId,
        score: request.body.score,
        note: request.body.note,
      })
      return reply.redirect(href(`/leads/${lead.id}`, { done: 'mql' }), 303)
    },
  )

  api.get(
    '/leads/:id',
    {
      config: { api: 'GET /api/leads' },
      schema: {
        params: z.object({ id: idText }),
        querystring: z.object({ done: optional(z.string().max(40)) }),
      },
    },
    async (request, reply) => {
      const lead = await getLead(db, request.params.id)
      if (!lead) throw new AppError('NOT_FOUND', `there is no lead ${request.params.id}`)
      const session = request.consoleSession!
      // The account's signals through the API's own view, with its lifecycle check.
      const view = await accountsController.view(db, session.identity, lead.tenantId, {
        now: new Date(),
        escalateDays: options.escalateDays,
      })
      const signals = view.intentSignals.filter((s) => s.leadId === lead.id)
      const rules = await ruleVersions(db, signals)
      const people = await salesPeople(db)
      const open = lead.status === 'open' || lead.status === 'working'
      const body = html`<p class="crumbs"><a href="/leads">Lead inbox</a> › lead ${lead.id}</p>
        <h1>${lead.accountName || lead.tenantId}</h1>
        ${notice(request.query.done ? doneWords[request.query.done] : undefined)}
        <dl class="facts">
          <div><dt>Score</dt><dd>${lead.score}</dd></div>
          <div><dt>Status</dt><dd><span class="badge status-${lead.status}">${statusWords[lead.status]}</span></dd></div>
          <div><dt>Source</dt><dd>${lead.source === 'abm' ? 'a rule fired (ABM)' : 'entered by a rep (MQL)'}</dd></div>
          <div><dt>Intent</dt><dd>${lead.intentTags.length ? lead.intentTags.map((t) => html`<span class="tag">${t}</span> `) : '—'}</dd></div>
          <div><dt>Owner</dt><dd>${lead.ownerId ? (names(people).get(lead.ownerId) ?? lead.ownerId) : 'nobody yet'}</dd></div>
          <div><dt>Account</dt><dd><a href="/accounts/${encodeURIComponent(lead.tenantId)}">${lead.tenantId}</a> (${view.account.lifecycle})</dd></div>
          <div><dt>Opened</dt><dd>${when(lead.createdAt)}</dd></div>
        </dl>
        ${lead.note && html`<p class="note"><strong>Note:</strong> ${lead.note}</p>`}
        <section aria-labelledby="why-title">
          <h2 id="why-title">Why it fired</h2>
          ${signals.length === 0 ? html`<p class="muted">No rule fired for this lead: it was entered by hand.</p>` : signals.map((s) => whyItFired({ ...s, rule: rules.get(`${s.ruleId}@${s.ruleVersion}`), moduleNames }))}
        </section>
        ${open ? actions(lead, people, request.consoleSession) : html`<p class="muted">This lead is closed; it does not change any more.</p>`}`
      return reply.type('text/html; charset=utf-8').send(
        page({
          title: `Lead ${lead.accountName}`,
          session,
          roles: routeRoles,
          current: '/leads',
          body,
        }).text,
      )
    },
  )

  const leadAction = z.object({
    ownerId: optional(idText),
    note: optional(z.string().max(2000)),
    amount: optional(
      z.string().regex(/^\d{1,12}(\.\d{1,2})?$/, 'a decimal amount, such as 1200 or 1200.50'),
    ),
  })
  const params = z.object({ id: idText, action: z.enum(['take', 'disqualify', 'note', 'owner']) })

  api.post(
    '/leads/:id/:action',
    { config: { api: 'PATCH /api/leads/:id' }, schema: { params, body: leadAction } },
    async (request, reply) => {
      const who = request.consoleSession!.identity
      const { id, action } = request.params
      const change =
        action === 'take'
          ? {
              status: 'working' as const,
              ...(request.body.ownerId ? { ownerId: request.body.ownerId } : {}),
            }
          : action === 'disqualify'
            ? { status: 'disqualified' as const }
            : action === 'owner'
              ? { ownerId: request.body.ownerId ?? null }
              : { note: request.body.note ?? null }
      await leadsController.update(db, who, id, change)
      const done = { take: 'taken', disqualify: 'disqualified', note: 'noted', owner: 'owner' }[
        action
      ]
      return reply.redirect(href(`/leads/${id}`, { done }), 303)
    },
  )

  api.post(
    '/leads/:id/convert',
    {
      config: { api: 'POST /api/leads/:id/convert' },
      schema: { params: z.object({ id: idText }), body: leadAction },
    },
    async (request, reply) => {
      await leadsController.convert(db, request.consoleSession!.identity, request.params.id, {
        amount: request.body.amount,
      })
      return reply.redirect(href(`/leads/${request.params.id}`, { done: 'converted' }), 303)
    },
  )
}

function actions(lead: Lead, people: Person[], session: Parameters<typeof csrfField>[0]) {
  const owners = people.map(
    (p) =>
      html`<option value="${p.id}"${p.id === lead.ownerId ? html` selected` : ''}>${p.name}</option>`,
  )
  return html`<section aria-labelledby="actions-title" class="panel">
    <h2 id="actions-title">Work this lead</h2>
    <div class="actions">
      ${
        lead.status === 'open' &&
        html`<form method="post" action="/leads/${lead.id}/take" class="inline-form">
        ${csrfField(session)}
        <div class="field"><label for="take-owner">Owner</label><select id="take-owner" name="ownerId"><option value="">keep as is</option>${owners}</select></div>
        <button type="submit">Take it</button>
      </form>`
      }
      <form method="post" action="/leads/${lead.id}/convert" class="inline-form">
        ${csrfField(session)}
        <div class="field"><label for="amount">Expected amount</label><input id="amount" name="amount" inputmode="decimal" placeholder="e.g. 1200" size="10"></div>
        <button type="submit">Convert to opportunity</button>
      </form>
      <form method="post" action="/leads/${lead.id}/disqualify" class="inline-form push">
        ${csrfField(session)}
        <button type="submit" class="danger">Disqualify</button>
      </form>
    </div>
    <form method="post" action="/leads/${lead.id}/note" class="stack note-form">
      ${csrfField(session)}
      <label for="note">Note</label>
      <textarea id="note" name="note" rows="2" maxlength="2000">${lead.note ?? ''}</textarea>
      <div><button type="submit" class="secondary">Save note</button></div>
    </form>
  </section>`
}
