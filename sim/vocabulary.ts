import type { ModuleCatalogue } from './catalogue.js'
import { pricingPatterns, viewPatterns } from './catalogue.js'

// What users of each module do: concrete page paths (expanded once from the catalogue
// patterns, so the hot path picks a string instead of building one) and feature events.

/** Feature events of the modules in the shipped catalogue; others get a generic one. */
const actionNames: Record<string, readonly string[]> = {
  workspace: ['Search Performed', 'Notification Opened', 'Invite Sent'],
  tasks: ['Task Created', 'Task Completed', 'Project Created', 'Comment Added'],
  docs: ['Document Created', 'Document Edited', 'Document Shared'],
  chat: ['Message Sent', 'Channel Created', 'Call Started'],
  analytics: ['Report Created', 'Report Exported', 'Dashboard Shared'],
  automation: ['Workflow Created', 'Workflow Run', 'Trigger Added'],
  security: ['SSO Configured', 'Audit Log Exported', 'Policy Updated'],
  portal: ['Portal Page Published', 'Ticket Answered', 'Customer Invited'],
  ai: ['Assistant Prompted', 'Summary Generated', 'Draft Generated'],
  integrations: ['Integration Connected', 'Sync Run', 'Webhook Added'],
}

// What `**` and `*` stand for in generated paths: plausible sub-pages, always at least
// one segment, so a path matches whether a resolver reads `**` as zero-or-more or
// one-or-more segments.
const restSegments = [
  'overview',
  'recent',
  'new',
  'settings',
  'item-1042',
  'item-2817/edit',
  'shared',
]
const oneSegment = ['main', 'team']
const pricingRest = ['compare', 'faq']

export interface ModuleVocabulary {
  key: string
  name: string
  paid: boolean
  views: readonly string[]
  pricing: readonly string[]
  actions: readonly string[]
}

export interface Vocabulary {
  modules: readonly ModuleVocabulary[]
  byKey: ReadonlyMap<string, ModuleVocabulary>
  generalPricing: readonly string[]
  freeKeys: readonly string[]
  paidKeys: readonly string[]
}

function expand(pattern: string, rest: readonly string[]): string[] {
  if (pattern.endsWith('/**')) {
    const base = pattern.slice(0, -3)
    return rest.map((r) => expandStars(`${base}/${r}`))
  }
  return [expandStars(pattern)]
}

function expandStars(path: string): string {
  let n = 0
  return path.replaceAll(/\/\*(?=\/|$)/g, () => `/${oneSegment[n++ % oneSegment.length]}`)
}

export function buildVocabulary(catalogue: ModuleCatalogue): Vocabulary {
  const modules = catalogue.modules.map((m): ModuleVocabulary => {
    // A module's own paths come first and twice: users reach /reports/... far more
    // often than the /apps/analytics landing page.
    const own = m.paths
      .map((p) => p.replaceAll('{key}', m.key))
      .flatMap((p) => expand(p, restSegments))
    const all = viewPatterns(catalogue, m).flatMap((p) => expand(p, restSegments))
    return {
      key: m.key,
      name: m.name,
      paid: m.paid,
      views: [...own, ...all],
      pricing: pricingPatterns(catalogue, m).flatMap((p) => expand(p, pricingRest)),
      actions: actionNames[m.key] ?? [`${m.name} Used`],
    }
  })
  for (const m of modules) {
    if (m.views.length === 0) throw new Error(`module ${m.key} has no page path to simulate`)
    if (m.paid && m.pricing.length === 0)
      throw new Error(`paid module ${m.key} has no pricing path`)
  }
  const generalPricing = catalogue.generalPricingPaths.flatMap((p) => expand(p, pricingRest))
  return {
    modules,
    byKey: new Map(modules.map((m) => [m.key, m])),
    generalPricing:
      generalPricing.length > 0 ? generalPricing : modules.find((m) => m.paid)!.pricing,
    freeKeys: modules.filter((m) => !m.paid).map((m) => m.key),
    paidKeys: modules.filter((m) => m.paid).map((m) => m.key),
  }
}
