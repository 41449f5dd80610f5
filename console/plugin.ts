import fastifyCookie from '@fastify/cookie'
import fastifyFormbody from '@fastify/formbody'
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import { forbidden } from '../api/auth.js'
import type { RouteRoles } from '../api/route-roles.js'
import type { ModuleCatalogue } from '../ingest/module-catalogue.js'
import type { ClickHouse } from '../platform/clickhouse.js'
import { AppError } from '../platform/errors.js'
import type { Db } from '../platform/postgres.js'
import { accountPage } from './account-page.js'
import { adminPages } from './admin-pages.js'
import { alertPages } from './alert-pages.js'
import { assetRoutes } from './assets.js'
import { createConsoleErrorHandler } from './error-page.js'
import { leadPages } from './lead-pages.js'
import { ruleEditorPages } from './rule-editor-pages.js'
import { rulePages } from './rule-pages.js'
import { sessionRoutes } from './session-routes.js'
import { type ConsoleSession, findSession, sameToken } from './sessions.js'
import { taskPages } from './task-pages.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A console page: the API route (`GET /api/leads`) whose roles it admits. */
    api?: string
    /** A console page that any signed-in key may open. */
    signedIn?: boolean
  }
  interface FastifyRequest {
    /** The signed-in browser, set from the session cookie before the route runs. */
    consoleSession: ConsoleSession | null
  }
}

export interface ConsoleOptions {
  db: Db
  ch: ClickHouse
  catalogue: ModuleCatalogue
  routeRoles: RouteRoles
  /** TASK_OVERDUE_ESCALATE_DAYS: an open task this many days late raises a priority. */
  escalateDays: number
  /** How often the live lists look for new rows. */
  streamPollMs?: number
}

export const sessionCookie = 'tp_session'

/**
 * Scripts, styles, images and connections from this origin only, and nothing inline:
 * the console's behaviour lives in served .js files and its look in a served .css.
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/**
 * The web console, served by the API process: server-rendered pages over the same
 * controllers and stores as the API, signed in with an API key. Encapsulated: its form
 * parser, cookies, headers and HTML error pages stay inside it.
 */
export async function consolePlugin(app: FastifyInstance, options: ConsoleOptions) {
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  await app.register(fastifyCookie)
  await app.register(fastifyFormbody, { bodyLimit: 256 * 1024 })
  app.decorateRequest('consoleSession', null)
  app.setErrorHandler(createConsoleErrorHandler(options.routeRoles))

  // Every page names its API route before it can serve anyone: one that names none,
  // or one the API does not declare, stops the start.
  app.addHook('onRoute', (route: RouteOptions) => {
    const api = route.config?.api
    if (api !== undefined) options.routeRoles.rolesOf(api)
  })

  app.addHook('onRequest', async (request, reply) => {
    reply.headers({
      'content-security-policy': contentSecurityPolicy,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
      'x-frame-options': 'DENY',
    })
    // Scripts and styles need no session: no lookup for each of them.
    if (request.url.startsWith('/assets/')) return
    const id = request.cookies[sessionCookie]
    if (id) request.consoleSession = (await findSession(options.db, id)) ?? null
    const { api, signedIn } = request.routeOptions.config
    if (api === undefined && !signedIn) return
    // Pages hold a signed-in key's data: never kept by a shared cache or the back button.
    reply.header('cache-control', 'no-store')
    const session = request.consoleSession
    if (!session) return signInFirst(request, reply)
    if (api === undefined) return
    const roles = options.routeRoles.rolesOf(api)
    if (!(roles as readonly string[]).includes(session.identity.role)) {
      throw forbidden(
        `a ${session.identity.role} key may not open this page (it stands for ${api}, which takes ${roles.join(' or ')})`,
      )
    }
  })

  // Every write carries the session's token, as a form field or (from htmx) a header.
  app.addHook('preValidation', async (request) => {
    if (request.method !== 'POST' || !request.consoleSession) return
    // Sign-in has no session yet: it checks its own token (session-routes.ts).
    if (request.routeOptions.url === '/signin') return
    const body = request.body as Record<string, unknown> | undefined
    const presented = request.headers['x-csrf-token'] ?? body?._csrf
    if (!sameToken(request.consoleSession.csrfToken, presented)) throw csrfRefused()
  })

  await app.register(assetRoutes)
  await app.register(sessionRoutes, options)
  await app.register(leadPages, options)
  await app.register(alertPages, options)
  await app.register(accountPage, options)
  await app.register(taskPages, options)
  await app.register(rulePages, options)
  await app.register(ruleEditorPages, options)
  await app.register(adminPages, options)
}

export const csrfRefused = () =>
  new AppError(
    'AUTH_FORBIDDEN',
    'this form did not come with its security token (it may be from an old page or another site); reload the page and try again',
  )

function signInFirst(request: FastifyRequest, reply: FastifyReply) {
  if (request.method === 'GET' && request.headers['hx-request'] === undefined) {
    return reply.redirect(`/signin?next=${encodeURIComponent(request.url)}`, 303)
  }
  throw new AppError('AUTH_MISSING_API_KEY', 'your session has ended; sign in again')
}
