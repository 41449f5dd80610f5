import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { rulesController } from '../api/rules-controller.js'
import { AppError } from '../platform/errors.js'
import { formatNumber } from './explain.js'
import { type Html, html } from './html.js'
import { jsonLines, lineOfPath, parseErrorPlace } from './json-lines.js'
import { csrfField, href, notice, page, when } from './layout.js'
import type { ConsoleOptions } from './plugin.js'
import { ruleHeaders, versionsOf } from './rule-reads.js'

const ruleId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'a rule id')
const day = z.iso.date('a day as YYYY-MM-DD')
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional())

const editorBody = z.object({
  definition: z.string().max(100_000).default(''),
  asOf: optional(day),
  from: optional(day),
  to: optional(day),
  horizonDays: optional(z.coerce.number().int().min(1).max(365)),
})

type Report = Awaited<ReturnType<typeof rulesController.backtest>>

interface EditorState {
  text: string
  issues?: Array<{ path: string; message: string }>
  parseError?: string
  dryRun?: Awaited<ReturnType<typeof rulesController.dryRun>>
  backtest?: { draft: Report; active: Report | undefined; activeVersion: number | null }
  form: { asOf: string; from: string; to: string; horizonDays: number }
  done?: string
}

const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10)

const figures: Array<[string, (r: Report) => unknown]> = [
  ['Accounts it could fire for', (r) => r.population],
  ['Accounts fired', (r) => r.firedAccounts],
  ['Firings a week', (r) => r.firingsPerWeek],
  ['Precision', (r) => r.precision],
  ['Recall', (r) => r.recall],
  ['Base rate', (r) => r.baseRate],
  ['Lift over the base rate', (r) => r.lift],
  ['Median lead time (days)', (r) => r.medianLeadTimeDays],
  ['True positives', (r) => r.confusion.truePositives],
  ['False positives', (r) => r.confusion.falsePositives],
  ['False negatives', (r) => r.confusion.falseNegatives],
  ['Seconds to run', (r) => r.seconds],
]

function issuesView(state: EditorState): Html {
  if (state.parseError) {
    const place = parseErrorPlace(state.text, state.parseError)
    return html`<div class="error" role="alert" id="rule-errors"><p>The text is not valid JSON${place ? ` (line ${place.line}, column ${place.column})` : ''}: ${state.parseError}</p></div>`
  }
  if (!state.issues?.length) return html``
  // The issues shown at the line of the field they name.
  const { lines, lineOf } = jsonLines(JSON.parse(state.text))
  const at = new Map<number, string[]>()
  for (const issue of state.issues) {
    const line = lineOfPath(lineOf, issue.path)
    at.set(line, [...(at.get(line) ?? []), `${issue.path || '(the rule)'}: ${issue.message}`])
  }
  return html`<div class="error" role="alert" id="rule-errors">
    <p>The rule does not validate: ${state.issues.length} ${state.issues.length === 1 ? 'field needs' : 'fields need'} another look.</p>
    <ul>${state.issues.map((i) => html`<li><code>${i.path || '(the rule)'}</code>: ${i.message}</li>`)}</ul>
  </div>
  <ol class="code" aria-label="The rule with each issue under its field">
    ${lines.map((line, i) => html`<li${at.has(i) ? html` class="bad"` : ''}><code>${line}</code>${(at.get(i) ?? []).map((m) => html`<span class="issue">${m}</span>`)}</li>`)}
  </ol>`
}

function backtestView(bt: NonNullable<EditorState['backtest']>): Html {
  const chart = JSON.stringify({
    x: bt.draft.timeline.map((t) => t.day),
    series: [
      { label: 'Draft: accounts fired', values: bt.draft.timeline.map((t) => t.firings) },
      ...(bt.active
        ? [
            {
              label: `Active v${bt.activeVersion}: accounts fired`,
              dash: true,
              values: bt.active.timeline.map((t) => t.firings),
            },
          ]
        : []),
      {
        label: bt.draft.kind === 'abm' ? 'Orders' : 'Cancellations',
        values: bt.draft.timeline.map((t) => t.outcomes),
      },
    ],
    yLabel: 'accounts a day',
  })
  return html`<section aria-labelledby="bt-title" id="backtest-result">
    <h2 id="bt-title">Backtest: ${bt.draft.from} to ${bt.draft.to}, outcomes within ${bt.draft.horizonDays} days</h2>
    <table class="list compare">
      <caption>The draft beside the version that runs</caption>
      <thead><tr><th scope="col">Figure</th><th scope="col">Draft</th><th scope="col">${bt.active ? `Active (v${bt.activeVersion})` : 'Active'}</th></tr></thead>
      <tbody>${figures.map(([label, pick]) => html`<tr><th scope="row">${label}</th><td class="num">${formatNumber(pick(bt.draft))}</td><td class="num">${bt.active ? formatNumber(pick(bt.active)) : 'no active version'}</td></tr>`)}</tbody>
    </table>
    <div class="chart" data-chart="${chart}" role="img" aria-label="Chart of accounts fired a day by the draft and the active version, and the outcomes recorded, over the period"></div>
  </section>`
}

function dryRunView(result: NonNullable<EditorState['dryRun']>): Html {
  return html`<section aria-labelledby="dry-title" id="dry-run-result">
    <h2 id="dry-title">Dry-run as of ${result.asOf}: ${result.firings.length} ${result.firings.length === 1 ? 'firing' : 'firings'}</h2>
    ${
      result.firings.length > 0 &&
      html`<table class="list compact"><caption>What the draft would fire (nothing was written)</caption>
      <thead><tr><th scope="col">Tenant</th><th scope="col">Module</th><th scope="col">Produces</th><th scope="col">Evidence</th></tr></thead>
      <tbody>${result.firings.slice(0, 200).map((f) => html`<tr><td>${f.tenantId}</td><td>${f.module ?? '—'}</td><td>${f.title ?? f.intentTag ?? ''}${f.score !== undefined ? ` (score ${f.score})` : ''}${f.severity ? ` (${f.severity})` : ''}</td><td>${Object.entries(f.evidence).map(([k, v]) => html`<code>${k}</code> ${formatNumber(v)} `)}</td></tr>`)}</tbody></table>`
    }
  </section>`
}

export async function ruleEditorPages(app: FastifyInstance, options: ConsoleOptions) {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const { db, ch, catalogue, routeRoles } = options
  const deps = { db, ch, catalogue }

  async function render(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    state: EditorState,
    status = 200,
  ) {
    const header = (await ruleHeaders(db, id)).get(id)
    if (!header) throw new AppError('NOT_FOUND', `there is no rule ${id}`)
    const versions = await versionsOf(db, id)
    const session = request.consoleSession
    const invalid = Boolean(state.parseError || state.issues?.length)
    const body = html`<p class="crumbs"><a href="/rules">Rules</a> › <code>${id}</code></p>
      <h1>${header.name}</h1>
      ${notice(state.done)}
      <p class="muted">${header.kind === 'abm' ? 'Opens leads' : 'Raises churn alerts'} · ${header.status}${header.activeVersion ? ` · version ${header.activeVersion} runs` : ' · no version runs'}</p>
      <div class="editor-grid">
        <form method="post" action="/rules/${id}/save" class="stack editor" id="rule-form">
          ${csrfField(session)}
          <label for="definition">The rule as JSON</label>
          <textarea id="definition" name="definition" rows="24" spellcheck="false" class="mono"${invalid ? html` aria-invalid="true" aria-describedby="rule-errors"` : ''}>${state.text}</textarea>
          ${issuesView(state)}
          <div class="row">
            <button type="submit">Save as a new version</button>
          </div>
          <fieldset class="row">
            <legend>Dry-run</legend>
            <div class="field"><label for="asOf">As of</label><input id="asOf" name="asOf" type="date" value="${state.form.asOf}"></div>
            <button type="submit" formaction="/rules/${id}/dry-run" class="secondary">Dry-run the draft</button>
          </fieldset>
          <fieldset class="row">
            <legend>Backtest against the active version</legend>
            <div class="field"><label for="from">From</label><input id="from" name="from" type="date" value="${state.form.from}"></div>
            <div class="field"><label for="to">To</label><input id="to" name="to" type="date" value="${state.form.to}"></div>
            <div class="field"><label for="horizonDays">Horizon (days)</label><input id="horizonDays" name="horizonDays" type="number" min="1" max="365" value="${state.form.horizonDays}"></div>
            <button type="submit" formaction="/rules/${id}/backtest" class="secondary">Backtest</button>
          </fieldset>
        </form>
        <section aria-labelledby="versions-title" class="versions">
          <h2 id="versions-title">Versions</h2>
          <ol class="plain">
            ${versions.map(
              (v) => html`<li>
              <a href="${href(`/rules/${id}`, { version: v.version })}">Version ${v.version}</a>
              ${v.version === header.activeVersion ? html`<span class="badge status-active">runs</span>` : ''}
              <span class="muted block">by ${v.created_by}, ${when(v.created_at.toISOString())}</span>
              ${v.version !== header.activeVersion && html`<form method="post" action="/rules/${id}/activate" class="inline-form">${csrfField(session)}<input type="hidden" name="version" value="${v.version}"><button type="submit" class="secondary small">Activate version ${v.version}</button></form>`}
            </li>`,
            )}
          </ol>
        </section>
      </div>
      ${state.dryRun && dryRunView(state.dryRun)}
      ${state.backtest && backtestView(state.backtest)}`
    return reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(
        page({
          title: `Rule ${header.name}`,
          session,
          roles: routeRoles,
          current: '/rules',
          charts: true,
          body,
        }).text,
      )
  }

  const defaults = () => ({ asOf: daysAgo(0), from: daysAgo(60), to: daysAgo(30), horizonDays: 30 })
  const params = z.object({ id: ruleId })

  api.get(
    '/rules/:id',
    {
      config: { api: 'GET /api/rules' },
      schema: {
        params,
        querystring: z.object({
          version: optional(z.coerce.number().int().min(1)),
          done: optional(z.string().max(40)),
        }),
      },
    },
    async (request, reply) => {
      const versions = await versionsOf(db, request.params.id)
      const header = (await ruleHeaders(db, request.params.id)).get(request.params.id)
      const shown =
        versions.find((v) => v.version === request.query.version) ??
        versions.find((v) => v.version === header?.activeVersion) ??
        versions[0]
      const done =
        request.query.done === 'saved'
          ? `Saved as version ${shown?.version}; it runs once activated.`
          : request.query.done === 'activated'
            ? `Version ${header?.activeVersion} runs now.`
            : undefined
      return render(request, reply, request.params.id, {
        text: JSON.stringify(shown?.definition ?? {}, null, 2),
        form: defaults(),
        done,
      })
    },
  )

  /** The draft in the form, parsed; an expected failure is shown, not thrown. */
  function draftOf(text: string): { doc?: Record<string, unknown>; parseError?: string } {
    try {
      const doc = JSON.parse(text) as unknown
      if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
        return { parseError: 'a rule is a JSON object: { … }' }
      return { doc: doc as Record<string, unknown> }
    } catch (error) {
      return { parseError: (error as Error).message }
    }
  }

  async function withDraft(
    request: FastifyRequest,
    reply: FastifyReply,
    input: { id: string; body: z.infer<typeof editorBody> },
    run: (doc: Record<string, unknown>, state: EditorState) => Promise<unknown>,
  ) {
    const { body, id } = input
    const form = {
      ...defaults(),
      ...Object.fromEntries(
        Object.entries({
          asOf: body.asOf,
          from: body.from,
          to: body.to,
          horizonDays: body.horizonDays,
        }).filter(([, v]) => v !== undefined),
      ),
    }
    const state: EditorState = { text: body.definition, form }
    const { doc, parseError } = draftOf(body.definition)
    if (!doc) return render(request, reply, id, { ...state, parseError }, 422)
    try {
      return (await run(doc, state)) ?? render(request, reply, id, state)
    } catch (error) {
      const details = (error as AppError).details as { issues?: EditorState['issues'] } | undefined
      if (error instanceof AppError && error.code === 'RULE_INVALID' && details?.issues) {
        return render(request, reply, id, { ...state, issues: details.issues }, 422)
      }
      throw error
    }
  }

  api.post(
    '/rules/:id/save',
    { config: { api: 'POST /api/rules' }, schema: { params, body: editorBody } },
    (request, reply) =>
      withDraft(request, reply, { id: request.params.id, body: request.body }, async (doc) => {
        const saved = await rulesController.create(deps, request.consoleSession!.identity, doc)
        return reply.redirect(
          href(`/rules/${saved.id}`, { version: saved.version, done: 'saved' }),
          303,
        )
      }),
  )

  api.post(
    '/rules/:id/dry-run',
    { config: { api: 'POST /api/rules/dry-run' }, schema: { params, body: editorBody } },
    (request, reply) =>
      withDraft(
        request,
        reply,
        { id: request.params.id, body: request.body },
        async (doc, state) => {
          state.dryRun = await rulesController.dryRun(deps, { rule: doc, asOf: state.form.asOf })
        },
      ),
  )

  api.post(
    '/rules/:id/backtest',
    { config: { api: 'POST /api/rules/backtest' }, schema: { params, body: editorBody } },
    (request, reply) =>
      withDraft(
        request,
        reply,
        { id: request.params.id, body: request.body },
        async (doc, state) => {
          const period = {
            from: state.form.from,
            to: state.form.to,
            horizonDays: state.form.horizonDays,
          }
          const draft = await rulesController.backtest(deps, { rule: doc, ...period })
          const header = (await ruleHeaders(db, request.params.id)).get(request.params.id)
          const activeVersion = header?.activeVersion ?? null
          const active = activeVersion
            ? await rulesController.backtest(deps, {
                ruleId: request.params.id,
                version: activeVersion,
                ...period,
              })
            : undefined
          state.backtest = { draft, active, activeVersion }
        },
      ),
  )

  api.post(
    '/rules/:id/activate',
    {
      config: { api: 'POST /api/rules/:id/activate' },
      schema: { params, body: z.object({ version: z.coerce.number().int().min(1) }) },
    },
    async (request, reply) => {
      await rulesController.activate(deps, request.params.id, request.body.version)
      return reply.redirect(href(`/rules/${request.params.id}`, { done: 'activated' }), 303)
    },
  )
}
