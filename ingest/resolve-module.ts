import type { EventKind } from './event-row.js'
import type { ModuleCatalogue } from './module-catalogue.js'
import type { TrackingEvent } from './validate-event.js'

export const lifecycleEvents = new Set([
  'Order Completed',
  'Subscription Renewed',
  'Subscription Cancelled',
])

export interface ModuleAndKind {
  module: string
  kind: EventKind
  path: string
}

/**
 * The module an event is about: `properties.module` when it names a catalogue module,
 * else the page path matched against the catalogue. An unknown module name is stored
 * as '' (unattributed), since a free-form value would let any sender grow the module
 * dimension without bound; the original stays in the properties.
 */
export function resolveModule(event: TrackingEvent, catalogue: ModuleCatalogue): ModuleAndKind {
  switch (event.type) {
    case 'identify':
    case 'group':
    case 'alias':
      return { module: '', kind: event.type, path: '' }
    case 'track': {
      const named = event.properties?.module
      const module = typeof named === 'string' && catalogue.has(named) ? named : ''
      return { module, kind: lifecycleEvents.has(event.event) ? 'lifecycle' : 'action', path: '' }
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

function pagePath(event: TrackingEvent & { type: 'page' | 'screen' }): string {
  const fromProperties = event.properties?.path
  if (typeof fromProperties === 'string') return fromProperties
  const page = event.context?.page
  if (page !== null && typeof page === 'object') {
    const fromContext = (page as Record<string, unknown>).path
    if (typeof fromContext === 'string') return fromContext
  }
  const url = event.properties?.url
  if (typeof url === 'string') {
    try {
      return new URL(url).pathname
    } catch {
      return ''
    }
  }
  return ''
}
