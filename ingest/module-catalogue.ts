import { readFileSync } from 'node:fs'
import { z } from 'zod'

const catalogueSchema = z.object({
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
  const catalogue = catalogueSchema.parse(json)
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
    has: (key) => keys.has(key),
    matchPath(path) {
      const hit = patterns.find((p) => p.regex.test(path))
      return hit && { module: hit.module, pricing: hit.pricing }
    },
  }
}

export function loadModuleCatalogue(file: string): ModuleCatalogue {
  return parseModuleCatalogue(JSON.parse(readFileSync(file, 'utf8')))
}
