import type { RouteOptions } from 'fastify'
import type { ApiRole } from './api-keys.js'

/**
 * Which roles each /api route declares, recorded as the routes are added. The console
 * asks it before it shows or does anything on a key's behalf, so that a page and the
 * API call it stands for admit the same roles from one declaration.
 */
export interface RouteRoles {
  record(route: RouteOptions): void
  /** The roles of `METHOD /api/...`; throws for a route the API does not declare. */
  rolesOf(route: string): readonly ApiRole[]
}

export function createRouteRoles(): RouteRoles {
  const declared = new Map<string, readonly ApiRole[]>()
  return {
    record(route) {
      const roles = (route.config as { roles?: readonly ApiRole[] } | undefined)?.roles
      if (!roles) return
      for (const method of [route.method].flat()) declared.set(`${method} ${route.url}`, roles)
    },
    rolesOf(route) {
      const roles = declared.get(route)
      // Failing closed at start-up: a console page that names a route the API lost
      // would otherwise decide on its own who may use it.
      if (!roles) throw new Error(`the console names ${route}, which the API does not declare`)
      return roles
    },
  }
}
