import { sessionStart, step, type TenantDay } from './tenant-day.js'
import type { ModuleVocabulary } from './vocabulary.js'

// Browsing that carries (or fakes) buying intent: a few users looking at one paid
// module's pages and its pricing. This is the signal ABM rules look for, and the noise
// they must not fire on.

const INTENT_ACTIVE_CHANCE = 0.7
const UPSELL_ACTIVE_CHANCE = 0.5
// Even intent takes weekends off, but less than ordinary work does.
const MIN_CALENDAR_FACTOR = 0.3

interface Mix {
  view: number
  modulePricing: number
}

const intentMix: Mix = { view: 0.68, modulePricing: 0.24 }
const noiseMix: Mix = { view: 0.25, modulePricing: 0.35 }

function browse(
  td: TenantDay,
  user: number,
  module: ModuleVocabulary,
  pages: number,
  mix: Mix,
): void {
  const { rng, out } = td
  const userId = td.userPrefix + user
  let t = sessionStart(td)
  for (let i = 0; i < pages; i++) {
    const r = rng.next()
    if (r < mix.view) out.page(t, userId, module.name, rng.pick(module.views))
    else if (r < mix.view + mix.modulePricing)
      out.page(t, userId, 'Pricing', rng.pick(module.pricing))
    else out.page(t, userId, 'Pricing', rng.pick(td.world.vocabulary.generalPricing))
    t += step(td)
  }
}

/** Users who browse on day k of a window: one more joins every `growEvery` days. */
function browsersOn(users: readonly number[], k: number, growEvery: number): number {
  return Math.min(users.length, 1 + Math.floor(k / growEvery))
}

export function generateIntentBrowsing(td: TenantDay): void {
  const intent = td.tenant.hidden.intent
  if (intent === null || td.day < intent.startDay || td.day >= intent.endDay) return
  const module = td.world.vocabulary.byKey.get(intent.module)!
  const k = td.day - intent.startDay
  let chance = INTENT_ACTIVE_CHANCE * Math.max(td.factor, MIN_CALENDAR_FACTOR)
  // Drifters lose interest: the last stretch of their window is thinner.
  if (intent.outcome === 'drifts' && k >= (intent.endDay - intent.startDay) * 0.6) chance *= 0.4
  const n = browsersOn(intent.users, k, intent.growEveryDays)
  for (let i = 0; i < n; i++) {
    if (td.rng.next() < chance)
      browse(td, intent.users[i]!, module, 2 + td.rng.geometric(2.5), intentMix)
  }
}

export function generateUpsellBrowsing(td: TenantDay): void {
  const upsell = td.tenant.hidden.upsell
  if (upsell === null || td.day < upsell.startDay || td.day >= upsell.day) return
  const module = td.world.vocabulary.byKey.get(upsell.module)!
  const n = browsersOn(upsell.users, td.day - upsell.startDay, 2)
  const chance = UPSELL_ACTIVE_CHANCE * Math.max(td.factor, MIN_CALENDAR_FACTOR)
  for (let i = 0; i < n; i++) {
    if (td.rng.next() < chance)
      browse(td, upsell.users[i]!, module, 1 + td.rng.geometric(2), intentMix)
  }
}

export function generateNoiseBrowsing(td: TenantDay): void {
  const noise = td.tenant.hidden.noise
  if (noise === null || !noise.days.includes(td.day)) return
  const { rng, tenant, world } = td
  const existing = tenant.users - tenant.newUsers
  const browsers = rng.int(1, 2)
  for (let i = 0; i < browsers; i++) {
    const module = world.vocabulary.byKey.get(rng.pick(noise.modules))!
    browse(td, rng.int(0, existing - 1), module, rng.int(1, 4), noiseMix)
  }
}
