import { readFileSync } from 'node:fs'
import { z } from 'zod'

const eventName = z.string().trim().min(1).max(200)

// The product's own event names, beside its modules: which track events are a look at
// the price, and which are the use of a module when neither properties.module nor the
// page (context.page) names it.
const eventsSchema = z
  .strictObject({
    pricingViews: z.array(eventName).default(['Pricing Viewed']),
    moduleUse: z.record(eventName, z.string()).default({}),
  })
  .default({ pricingViews: ['Pricing Viewed'], moduleUse: {} })

const catalogueSchema = z.object({
  $comment: z.string().optional(),
  events: eventsSchema,
  defaultPaths: z.array(z.string()).default([]),
  defaultPricingPaths: z.array(z.string()).default([]),
  generalPricingPaths: z.array(z.string()).default([]),
  modules: z
    .array(
      z.object({
        key: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/),
        name: z.string().min(1),
        paid: z.boolean(),
        paths: z.array(z.string()).default([]),
        pricingPaths: z.array(z.string()).default([]),
      }),
    )
    .min(1),
})

export interface Module {
  key: string
  name: string
  paid: boolean
}

export interface PathMatch {
  /** '' for a general pricing page that names no module. */
  module: string
  pricing: boolean
}

export interface ModuleCatalogue {
  readonly modules: readonly Module[]
  has(key: string): boolean
  matchPath(path: string): PathMatch | undefined
  /** A track event of this name counts as a pricing view. */
  isPricingEvent(event: string): boolean
  /** The module a track event of this name is the use of, if the catalogue says. */
  moduleOfEvent(event: string): string | undefined
}

export class ModuleCatalogueError extends Error {
  override name = 'ModuleCatalogueError'
}

interface Pattern extends PathMatch {
  regex: RegExp
}

// `*` is one path segment, `**` any rest (including nothing), `{key}` the module key.
function compile(pattern: string, key: string): RegExp {
  const source = pattern
    .replaceAll('{key}', key)
    .split('/')
    .map((segment) => {
      if (segment === '**') return '(?:/.*)?'
      if (segment === '*') return '/[^/]+'
      return segment === '' ? '' : `/${segment.replace(/[.+?^${}()|[\]\\]/g, '\\$&')}`
    })
    .join('')
  return new RegExp(`^${source === '' ? '/' : source}/?$`)
}

export function parseModuleCatalogue(json: unknown): ModuleCatalogue {
  const parsed = catalogueSchema.safeParse(json)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(file)'}: ${i.message}`)
    throw new ModuleCatalogueError(`invalid module catalogue:\n${lines.join('\n')}`)
  }
  const catalogue = parsed.data
  const known = new Set(catalogue.modules.map((m) => m.key))
  const problems = Object.entries(catalogue.events.moduleUse)
    .filter(([, key]) => !known.has(key))
    .map(([name, key]) => `  events.moduleUse.${name}: no module ${JSON.stringify(key)} in modules`)
  for (const name of catalogue.events.pricingViews)
    if (lifecycleEventNames.has(name))
      problems.push(`  events.pricingViews: ${name} is a lifecycle event, not a pricing view`)
  if (problems.length > 0)
    throw new ModuleCatalogueError(`invalid module catalogue:\n${problems.join('\n')}`)
  const pricingEvents = new Set(catalogue.events.pricingViews)
  const moduleUse = new Map(Object.entries(catalogue.events.moduleUse))
  const patterns: Pattern[] = []
  // Pricing pages first: /pricing/{key} must not be taken for a view of a module whose
  // own paths happen to be broad.
  for (const m of catalogue.modules) {
    for (const p of [...m.pricingPaths, ...catalogue.defaultPricingPaths]) {
      patterns.push({ regex: compile(p, m.key), module: m.key, pricing: true })
    }
  }
  for (const p of catalogue.generalPricingPaths) {
    patterns.push({ regex: compile(p, ''), module: '', pricing: true })
  }
  for (const m of catalogue.modules) {
    for (const p of [...m.paths, ...catalogue.defaultPaths]) {
      patterns.push({ regex: compile(p, m.key), module: m.key, pricing: false })
    }
  }
  const keys = new Set(catalogue.modules.map((m) => m.key))
  const modules = catalogue.modules.map(({ key, name, paid }) => ({ key, name, paid }))
  return {
    modules,
    isPricingEvent: (event) => pricingEvents.has(event),
    moduleOfEvent: (event) => moduleUse.get(event),
    has: (key) => keys.has(key),
    matchPath(path) {
      const hit = patterns.find((p) => p.regex.test(path))
      return hit && { module: hit.module, pricing: hit.pricing }
    },
  }
}

/** Reads the catalogue file; a file that is not there, not JSON or not valid says so. */
export function loadModuleCatalogue(file: string): ModuleCatalogue {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new ModuleCatalogueError(
      `cannot read the module catalogue ${file}: ${(error as Error).message}`,
    )
  }
  try {
    return parseModuleCatalogue(json)
  } catch (error) {
    if (error instanceof ModuleCatalogueError)
      throw new ModuleCatalogueError(
        error.message.replace('module catalogue', `module catalogue ${file}`),
      )
    throw error
  }
}

/** The track events the CRM listens for; resolve-module.ts keeps them out of usage. */
export const lifecycleEventNames: ReadonlySet<string> = new Set([
  'Order Completed',
  'Subscription Renewed',
  'Subscription Cancelled',
])
