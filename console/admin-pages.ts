import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { adminController } from '../api/admin-controller.js'
import { keyRoles } from '../api/api-keys.js'
import { idText } from '../api/cursor.js'
import { webhooksController } from '../api/webhooks-controller.js'
import { deliveryStatuses, webhookEventTypes } from '../api/webhooks-schemas.js'
import { type Html, html } from './html.js'
import { csrfField, href, notice, page, pager, roleNames, when } from './layout.js'
import type { ConsoleOptions } from './plugin.js'

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional())
const listQuery = z.object({
  cursor: optional(z.string().max(512)),
  done: optional(z.string().max(40)),
})

/** Admin: API keys (a new key is shown once) and webhook subscriptions with their deliveries. */
export async function adminPages(app: FastifyInstance, options: ConsoleOptions) {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const { db, routeRoles } = options
  const send = (
    request: FastifyRequest,
    reply: FastifyReply,
    title: string,
    current: string,
    body: Html,
  ) =>
    reply
      .type('text/html; charset=utf-8')
      .send(page({ title, session: request.consoleSession, roles: routeRoles, current, body }).text)

  async function keysPage(
    request: FastifyRequest,
    reply: FastifyReply,
    cursor: string | undefined,
    extra: Html,
    done?: string,
  ) {
    const keys = await adminController.listKeys(db, { limit: 25, cursor })
    const session = request.consoleSession
    return send(
      request,
      reply,
      'API keys',
      '/admin/keys',
      html`<h1>API keys</h1>
      ${notice(done)}
      ${extra}
      <section class="panel" aria-labelledby="new-key-title">
        <h2 id="new-key-title">Make a key</h2>
        <form method="post" action="/admin/keys" class="inline-form">
          ${csrfField(session)}
          <div class="field grow"><label for="key-name">Whose key, for what</label><input id="key-name" name="name" required maxlength="200"></div>
          <div class="field"><label for="key-role">Role</label><select id="key-role" name="role">${keyRoles.map((r) => html`<option value="${r}"${r === 'sales' ? html` selected` : ''}>${roleNames[r]}</option>`)}</select></div>
          <button type="submit">Make key</button>
        </form>
      </section>
      <table class="list">
        <caption>Keys, oldest first (their secrets are never shown again)</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Made</th><th scope="col">Revoked</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
        <tbody>${keys.items.map(
          (k) => html`<tr>
          <td>${k.name}</td><td>${roleNames[k.role]}</td><td>${when(k.createdAt)}</td><td>${k.revokedAt ? when(k.revokedAt) : html`<span class="muted">live</span>`}</td>
          <td>${!k.revokedAt && html`<form method="post" action="/admin/keys/${k.id}/revoke">${csrfField(session)}<button type="submit" class="danger small" aria-label="Revoke ${k.name}">Revoke</button></form>`}</td>
        </tr>`,
        )}</tbody>
      </table>
      ${pager('/admin/keys', { cursor }, keys.nextCursor)}`,
    )
  }

  api.get(
    '/admin/keys',
    { config: { api: 'GET /api/keys' }, schema: { querystring: listQuery } },
    (request, reply) =>
      keysPage(
        request,
        reply,
        request.query.cursor,
        html``,
        request.query.done === 'revoked'
          ? 'The key is revoked: it opens nothing any more.'
          : undefined,
      ),
  )

  api.post(
    '/admin/keys',
    {
      config: { api: 'POST /api/keys' },
      schema: {
        body: z.object({
          name: z.string().trim().min(1, 'give the key a name').max(200),
          role: z.enum(keyRoles),
        }),
      },
    },
    async (request, reply) => {
      const made = await adminController.createKey(db, request.body)
      // Answered here, not redirected: the secret exists only in this response.
      return keysPage(
        request,
        reply,
        undefined,
        html`<section class="secret" aria-labelledby="secret-title">
      <h2 id="secret-title">The new key for ${made.name} (${roleNames[made.role]})</h2>
      <p>Copy it now: it is shown only this once, and only its hash is kept.</p>
      <p><code class="secret-value" id="new-key">${made.key}</code></p>
    </section>`,
      )
    },
  )

  api.post(
    '/admin/keys/:id/revoke',
    { config: { api: 'DELETE /api/keys/:id' }, schema: { params: z.object({ id: idText }) } },
    async (request, reply) => {
      await adminController.revokeKey(db, request.params.id)
      return reply.redirect(href('/admin/keys', { done: 'revoked' }), 303)
    },
  )

  async function hooksPage(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: Html,
    done?: string,
  ) {
    const { items } = await webhooksController.list(db)
    const session = request.consoleSession
    return send(
      request,
      reply,
      'Webhooks',
      '/admin/webhooks',
      html`<h1>Webhooks</h1>
      ${notice(done)}
      ${extra}
      <section class="panel" aria-labelledby="new-hook-title">
        <h2 id="new-hook-title">Subscribe a URL</h2>
        <form method="post" action="/admin/webhooks" class="inline-form">
          ${csrfField(session)}
          <div class="field grow"><label for="hook-url">URL</label><input id="hook-url" name="url" type="url" required maxlength="2000" placeholder="https://chat.example.com/hooks/…"></div>
          <fieldset class="row"><legend>Events (none: all)</legend>
            ${webhookEventTypes.map((t) => html`<label class="check"><input type="checkbox" name="eventTypes" value="${t}"> ${t}</label>`)}
          </fieldset>
          <button type="submit">Subscribe</button>
        </form>
      </section>
      <table class="list">
        <caption>Subscriptions</caption>
        <thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">State</th><th scope="col">Made</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
        <tbody>${
          items.length === 0
            ? html`<tr><td colspan="5" class="empty">No subscriptions yet.</td></tr>`
            : items.map(
                (s) => html`<tr>
          <td><a href="/admin/webhooks/${s.id}">${s.url}</a></td><td>${s.eventTypes.length ? s.eventTypes.join(', ') : 'all'}</td>
          <td>${s.active ? 'active' : html`stopped ${when(s.disabledAt)}`}</td><td>${when(s.createdAt)}</td>
          <td>${s.active && html`<form method="post" action="/admin/webhooks/${s.id}/deactivate">${csrfField(session)}<button type="submit" class="danger small" aria-label="Stop deliveries to ${s.url}">Stop</button></form>`}</td>
        </tr>`,
              )
        }</tbody>
      </table>`,
    )
  }

  api.get(
    '/admin/webhooks',
    { config: { api: 'GET /api/webhooks' }, schema: { querystring: listQuery } },
    (request, reply) =>
      hooksPage(
        request,
        reply,
        html``,
        request.query.done === 'stopped' ? 'Nothing more is delivered to that URL.' : undefined,
      ),
  )

  const hookBody = z.object({
    url: z.url({ protocol: /^https?$/, error: 'an http or https URL' }).max(2000),
    eventTypes: z.preprocess(
      (v) => (v === undefined ? [] : [v].flat()),
      z.array(z.enum(webhookEventTypes)),
    ),
  })
  api.post(
    '/admin/webhooks',
    { config: { api: 'POST /api/webhooks' }, schema: { body: hookBody } },
    async (request, reply) => {
      const made = await webhooksController.create(db, request.body)
      return hooksPage(
        request,
        reply,
        html`<section class="secret" aria-labelledby="secret-title">
      <h2 id="secret-title">Subscribed ${made.url}</h2>
      <p>Its signing secret, shown only this once (Standard Webhooks: the receiver checks each delivery's signature with it):</p>
      <p><code class="secret-value">${made.secret}</code></p>
    </section>`,
      )
    },
  )

  api.post(
    '/admin/webhooks/:id/deactivate',
    { config: { api: 'DELETE /api/webhooks/:id' }, schema: { params: z.object({ id: idText }) } },
    async (request, reply) => {
      await webhooksController.deactivate(db, request.params.id)
      return reply.redirect(href('/admin/webhooks', { done: 'stopped' }), 303)
    },
  )

  api.get(
    '/admin/webhooks/:id',
    {
      config: { api: 'GET /api/webhooks/:id/deliveries' },
      schema: {
        params: z.object({ id: idText }),
        querystring: listQuery.extend({ status: optional(z.enum(deliveryStatuses)) }),
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const { cursor, status } = request.query
      const deliveries = await webhooksController.deliveries(db, id, { limit: 25, cursor, status })
      const sub = (await webhooksController.list(db)).items.find((s) => s.id === id)
      return send(
        request,
        reply,
        'Deliveries',
        '/admin/webhooks',
        html`<p class="crumbs"><a href="/admin/webhooks">Webhooks</a> › deliveries</p>
      <h1>Deliveries to ${sub?.url ?? `subscription ${id}`}</h1>
      <nav class="tabs" aria-label="Delivery status"><ul>
        ${[['', 'All'], ...deliveryStatuses.map((s) => [s, s])].map(([value, label]) => html`<li><a href="${href(`/admin/webhooks/${id}`, { status: value })}"${(status ?? '') === value ? html` aria-current="page"` : ''}>${label}</a></li>`)}
      </ul></nav>
      <table class="list">
        <caption>Newest first</caption>
        <thead><tr><th scope="col">Event</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Last error</th><th scope="col">Next attempt</th><th scope="col">Delivered</th></tr></thead>
        <tbody>${
          deliveries.items.length === 0
            ? html`<tr><td colspan="6" class="empty">No deliveries.</td></tr>`
            : deliveries.items.map(
                (d) => html`<tr>
          <td>${d.eventType}<span class="muted block"><code>${d.webhookId}</code></span></td><td><span class="badge status-${d.status}">${d.status}</span></td>
          <td class="num">${d.attempts}</td><td>${d.lastError ?? '—'}</td><td>${d.deliveredAt ? '—' : when(d.nextAttemptAt)}</td><td>${when(d.deliveredAt)}</td>
        </tr>`,
              )
        }</tbody>
      </table>
      ${pager(`/admin/webhooks/${id}`, { status, cursor }, deliveries.nextCursor)}`,
      )
    },
  )
}
