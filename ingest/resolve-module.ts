import type { EventKind } from './event-row.js'
import { lifecycleEventNames, type ModuleCatalogue } from './module-catalogue.js'
import type { TrackingEvent } from './validate-event.js'

export interface ModuleAndKind {
  module: string
  kind: EventKind
  path: string
}

/**
 * The module an event is about: `properties.module` when it names a catalogue module;
 * for a track event, else the module the catalogue's `events.moduleUse` gives its name;
 * else the page path (a page call's own, or the `context.page` that analytics.js puts
 * on every track call) matched against the catalogue. A track event named in
 * `events.pricingViews`, or sent from a pricing page, is a pricing view. An unknown
 * module name is stored as '' (unattributed), since a free-form value would let any
 * sender grow the module dimension without bound; the original stays in the properties.
 */
export function resolveModule(event: TrackingEvent, catalogue: ModuleCatalogue): ModuleAndKind {
  switch (event.type) {
    case 'identify':
    case 'group':
    case 'alias':
      return { module: '', kind: event.type, path: '' }
    case 'track': {
      if (lifecycleEventNames.has(event.event)) return { module: '', kind: 'lifecycle', path: '' }
      const path = pagePath(event)
      const match = path === '' ? undefined : catalogue.matchPath(path)
      const named = event.properties?.module
      const module =
        typeof named === 'string' && catalogue.has(named)
          ? named
          : (catalogue.moduleOfEvent(event.event) ?? match?.module ?? '')
      const pricing = catalogue.isPricingEvent(event.event) || match?.pricing === true
      return { module, kind: pricing ? 'pricing' : 'action', path }
    }
    case 'page':
    case 'screen': {
      const path = pagePath(event)
      const named = event.properties?.module
      const match = path === '' ? undefined : catalogue.matchPath(path)
      const module =
        typeof named === 'string' && catalogue.has(named) ? named : (match?.module ?? '')
      return { module, kind: match?.pricing ? 'pricing' : 'view', path }
    }
  }
}

function pagePath(event: TrackingEvent & { type: 'page' | 'screen' | 'track' }): string {
  const page = event.context?.page
  const fromPage =
    page !== null && typeof page === 'object' ? (page as Record<string, unknown>) : {}
  // A track event's own properties describe the event, not the page it was sent from.
  const own: Record<string, unknown> = event.type === 'track' ? {} : (event.properties ?? {})
  const path = own.path ?? fromPage.path
  if (typeof path === 'string') return path
  const url = own.url ?? fromPage.url
  if (typeof url === 'string') {
    try {
      return new URL(url).pathname
    } catch {
      return ''
    }
  }
  return ''
}
