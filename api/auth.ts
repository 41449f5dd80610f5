import type { FastifyRequest, RouteOptions } from 'fastify'
import { AppError } from '../platform/errors.js'
import type { Queryable } from '../platform/postgres.js'
import {
  type ApiKeyIdentity,
  type ApiRole,
  createUsageRecorder,
  findApiKey,
  type KeyRole,
} from './api-keys.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The roles that may call the route: every /api route declares them. */
    roles?: readonly ApiRole[]
  }
  interface FastifyRequest {
    /** The caller's key, set by the auth hook before the body is read. */
    apiKey: ApiKeyIdentity | null
  }
}

/**
 * Refuses, at start-up, an /api route that declares no roles: a route that forgot to
 * say who may call it fails closed before it can serve anyone.
 */
export function requireDeclaredRoles(route: RouteOptions): void {
  if (!route.url.startsWith('/api')) return
  const roles = (route.config as { roles?: readonly ApiRole[] } | undefined)?.roles
  if (!roles || roles.length === 0) {
    throw new Error(`${route.method} ${route.url} declares no roles (config.roles)`)
  }
}

/**
 * The onRequest hook: who calls (401 without a valid key) and whether the route's
 * roles include theirs (403 with the reason). It runs before the body is parsed, so
 * an unauthenticated caller learns nothing from validation errors.
 */
export function createAuthHook(db: Queryable) {
  const recordUse = createUsageRecorder(db)
  return async (request: FastifyRequest): Promise<void> => {
    const roles = request.routeOptions.config.roles
    if (!roles) return
    const key = bearerKey(request.headers.authorization)
    if (key === undefined) {
      throw new AppError(
        'AUTH_MISSING_API_KEY',
        'send the API key as `Authorization: Bearer <key>`',
      )
    }
    const identity = await findApiKey(db, key)
    if (!identity) throw new AppError('AUTH_INVALID_API_KEY', 'the API key is unknown or revoked')
    request.apiKey = identity
    await recordUse(identity.id)
    if (!(roles as readonly KeyRole[]).includes(identity.role)) {
      throw forbidden(
        identity.role === 'write'
          ? 'a write key only sends events to the tracking API (/v1/*)'
          : `a ${identity.role} key may not call ${request.method} ${request.routeOptions.url}; it takes ${roles.join(' or ')}`,
      )
    }
  }
}

export function bearerKey(header: string | undefined): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '')
  return match?.[1]
}

export const forbidden = (reason: string) => new AppError('AUTH_FORBIDDEN', reason)

/** The caller of a route that declares roles; the auth hook has set it. */
export function caller(request: FastifyRequest): ApiKeyIdentity {
  if (!request.apiKey) throw new Error('caller() on a route without roles')
  return request.apiKey
}

/** How the activity log names an API caller: keys are not CRM users, so the key's id. */
export const actorOf = (identity: ApiKeyIdentity) => `user:key-${identity.id}` as const
