import type { ModuleCatalogue } from './catalogue.js'
import { pricingPatterns, viewPatterns } from './catalogue.js'

// A page path to a module, as modules.json describes it: `*` is one segment, `**` one
// or more (the catalogue lists `/apps/{key}` beside `/apps/{key}/**` for the bare one).
// Used by the simulator's tests to check that every path it emits resolves; ingest
// has its own resolver.

export interface PathMatch {
  /** null for a general pricing page (`/pricing`), which names no module. */
  module: string | null
  pricing: boolean
}

type Matcher = (segments: string[]) => boolean

function compile(pattern: string): Matcher {
  const parts = pattern.split('/').filter((s) => s !== '')
  return (segments) => {
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!
      if (part === '**') return segments.length > i
      if (i >= segments.length) return false
      if (part !== '*' && part !== segments[i]) return false
    }
    return segments.length === parts.length
  }
}

/** Builds a resolver; the first matching pattern wins, modules in catalogue order. */
export function createPathMatcher(catalogue: ModuleCatalogue): (path: string) => PathMatch | null {
  const table: { match: Matcher; result: PathMatch }[] = []
  for (const module of catalogue.modules) {
    for (const p of pricingPatterns(catalogue, module)) {
      table.push({ match: compile(p), result: { module: module.key, pricing: true } })
    }
  }
  for (const module of catalogue.modules) {
    for (const p of viewPatterns(catalogue, module)) {
      table.push({ match: compile(p), result: { module: module.key, pricing: false } })
    }
  }
  for (const p of catalogue.generalPricingPaths) {
    table.push({ match: compile(p), result: { module: null, pricing: true } })
  }
  return (path) => {
    const segments = path
      .split('?')[0]!
      .split('/')
      .filter((s) => s !== '')
    for (const row of table) if (row.match(segments)) return row.result
    return null
  }
}
