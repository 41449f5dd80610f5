import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { findApiKey } from '../api/api-keys.js'
import { html } from './html.js'
import { errorBox, page, sectionsFor } from './layout.js'
import { type ConsoleOptions, csrfRefused, sessionCookie } from './plugin.js'
import { closeSession, newSignInToken, openSession, sameToken, sessionHours } from './sessions.js'

// Sign-in has no session to hold a CSRF token yet, so the form's token is also set as a
// cookie and the two must match (double submit): a form posted from another site
// carries neither, as a SameSite=Strict cookie never goes with a cross-site request.
const signInCookie = 'tp_signin'

const signInBody = z.object({
  key: z.string().trim().max(200).default(''),
  _csrf: z.string().max(200).default(''),
  next: z.string().max(2000).optional(),
})

function cookieOptions(request: FastifyRequest, maxAgeSeconds: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: request.protocol === 'https',
    maxAge: maxAgeSeconds,
  }
}

/** Only a path of this console: a `next` that points elsewhere is dropped. */
const safeNext = (next: string | undefined) =>
  next && /^\/(?![/\\])/.test(next) && !next.startsWith('/signin') ? next : '/'

export async function sessionRoutes(app: FastifyInstance, options: ConsoleOptions) {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const { db, routeRoles } = options

  const signInPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    input: { next?: string | undefined; error?: string },
  ) => {
    const token = newSignInToken()
    reply
      .setCookie(signInCookie, token, cookieOptions(request, 3600))
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
    return page({
      title: 'Sign in',
      session: null,
      roles: routeRoles,
      body: html`<section class="signin" aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in to TenantPulse</h1>
        <p>Paste the API key your admin gave you. It is checked once; the console then
          keeps a session cookie, never the key.</p>
        ${errorBox(input.error)}
        <form method="post" action="/signin" class="stack">
          <input type="hidden" name="_csrf" value="${token}">
          <input type="hidden" name="next" value="${safeNext(input.next)}">
          <label for="key">API key</label>
          <input id="key" name="key" type="password" autocomplete="off" required
            spellcheck="false"${input.error ? html` aria-invalid="true"` : ''} autofocus>
          <button type="submit">Sign in</button>
        </form>
      </section>`,
    }).text
  }

  api.get(
    '/signin',
    { schema: { querystring: z.object({ next: z.string().optional() }) } },
    (request, reply) => {
      if (request.consoleSession) return reply.redirect(safeNext(request.query.next), 303)
      return reply.send(signInPage(request, reply, { next: request.query.next }))
    },
  )

  api.post('/signin', { schema: { body: signInBody } }, async (request, reply) => {
    if (
      !sameToken(request.cookies[signInCookie] ?? '', request.body._csrf) ||
      !request.body._csrf
    ) {
      throw csrfRefused()
    }
    const identity = request.body.key ? await findApiKey(db, request.body.key) : undefined
    const refuse = (error: string) =>
      reply.code(401).send(signInPage(request, reply, { next: request.body.next, error }))
    if (!identity) return refuse('That key is unknown or has been revoked.')
    if (identity.role === 'write')
      return refuse('A write key only sends events; sign in with a sales, CSM, data or admin key.')
    const { sessionId } = await openSession(db, identity.id)
    request.log.info({ keyId: identity.id, role: identity.role }, 'console sign-in')
    return reply
      .clearCookie(signInCookie, { path: '/' })
      .setCookie(sessionCookie, sessionId, cookieOptions(request, sessionHours * 3600))
      .redirect(safeNext(request.body.next), 303)
  })

  api.post('/signout', { config: { signedIn: true } }, async (request, reply) => {
    const id = request.cookies[sessionCookie]
    if (id) await closeSession(db, id)
    return reply.clearCookie(sessionCookie, { path: '/' }).redirect('/signin', 303)
  })

  // Home: the first section the key's role may open.
  api.get('/', { config: { signedIn: true } }, (request, reply) => {
    const first = sectionsFor(routeRoles, request.consoleSession!.identity.role)[0]
    return reply.redirect(first?.href ?? '/signin', 303)
  })
}
