import { moduleAbandoned, usageOn } from './account.js'
import { mix32 } from './prng.js'
import { sessionStart, step, type TenantDay } from './tenant-day.js'
import type { ModuleVocabulary } from './vocabulary.js'

// Ordinary use: each user, on each day, is active or not by a fixed propensity; an
// active user signs in, views pages and uses features of the modules the tenant has.
// Most users are rarely active, which is what keeps 2.4M users at ~1M events a day.

const TWO_POW_32 = 4_294_967_296
// User classes by share: dormant 55%, occasional 30%, regular 12%, power 3%.
const CLASS_BOUNDS = [0.55 * TWO_POW_32, 0.85 * TWO_POW_32, 0.97 * TWO_POW_32]
const ACTIVE_CHANCE = [0.012, 0.1, 0.42, 0.85]
const SESSION_LENGTH = [0.7, 1, 1.5, 2.4]
const MEAN_PAGES = 1.2
const MEAN_ACTIONS = 1.6
const SIGN_IN_CHANCE = 0.7
// A free tenant's users now and then open a paid module's locked page; customers now
// and then look at another module's pricing. The baseline intent has to stand out from.
const TEASER_CHANCE = 0.01
const CUSTOMER_PRICING_CHANCE = 0.003
const FREE_WEIGHTS: Record<string, number> = { workspace: 3, tasks: 3, docs: 2, chat: 2 }
const PAID_WEIGHT = 2.5

function userClass(tenantKey: number, user: number): number {
  // The first user set the tenant up and stays a regular or power user.
  const h = mix32(tenantKey ^ Math.imul(user + 1, 0x9e3779b1))
  if (user === 0) return h < 0.8 * TWO_POW_32 ? 2 : 3
  return h < CLASS_BOUNDS[0]! ? 0 : h < CLASS_BOUNDS[1]! ? 1 : h < CLASS_BOUNDS[2]! ? 2 : 3
}

/** A user's fixed place in [0, 1) when a declining tenant loses users. */
function userRank(tenantKey: number, user: number): number {
  return mix32((tenantKey ^ 0x5bd1e995) + Math.imul(user + 1, 0x85ebca6b)) / TWO_POW_32
}

/** The day a user joining during the run arrives; -1 for the users already there. */
export function joinDay(td: TenantDay, user: number): number {
  const { users, newUsers } = td.tenant
  const first = users - newUsers
  if (user < first) return -1
  return Math.floor(((user - first) * td.world.days) / newUsers)
}

interface ModuleMix {
  modules: ModuleVocabulary[]
  cumulative: Float64Array
}

/** The modules a tenant's users use today, with weights. */
function moduleMix(td: TenantDay): ModuleMix {
  const { vocabulary } = td.world
  const modules: ModuleVocabulary[] = []
  const weights: number[] = []
  for (const key of vocabulary.freeKeys) {
    modules.push(vocabulary.byKey.get(key)!)
    weights.push(FREE_WEIGHTS[key] ?? 2)
  }
  for (const key of td.before.modules) {
    if (moduleAbandoned(td.tenant, key, td.day)) continue
    modules.push(vocabulary.byKey.get(key)!)
    weights.push(PAID_WEIGHT)
  }
  const cumulative = new Float64Array(weights.length)
  let sum = 0
  weights.forEach((w, i) => {
    sum += w
    cumulative[i] = sum
  })
  return { modules, cumulative }
}

export function generateUserSessions(td: TenantDay): void {
  const { tenant, rng, day } = td
  const { retained, visits } = usageOn(tenant, day)
  const activity = td.factor * td.season * tenant.engagement * visits
  const mix = moduleMix(td)
  const loginModule = td.world.vocabulary.byKey.has('workspace') ? 'workspace' : mix.modules[0]!.key
  for (let user = 0; user < tenant.users; user++) {
    const joined = joinDay(td, user)
    if (joined > day) continue
    if (retained < 1 && userRank(tenant.key, user) >= retained) continue
    const cls = userClass(tenant.key, user)
    if (joined === day) {
      onboard(td, user, mix, loginModule)
      continue
    }
    if (rng.next() < ACTIVE_CHANCE[cls]! * activity) {
      session(td, td.userPrefix + user, SESSION_LENGTH[cls]!, sessionStart(td), mix, loginModule)
    }
  }
}

function onboard(td: TenantDay, user: number, mix: ModuleMix, loginModule: string): void {
  const userId = td.userPrefix + user
  const start = sessionStart(td)
  td.out.identify(start, userId, {
    name: `User ${user}`,
    email: `user${user}@${td.tenant.id.replace('_', '-')}.example.com`,
    createdAt: td.out.isoAt(start),
  })
  session(td, userId, 1.5, start + 1000, mix, loginModule)
}

function session(
  td: TenantDay,
  userId: string,
  length: number,
  start: number,
  mix: ModuleMix,
  loginModule: string,
): void {
  const { rng, out, world } = td
  const free = td.before.plan === 'free'
  let t = start
  if (rng.next() < SIGN_IN_CHANCE) {
    out.track(t, userId, 'Signed In', { module: loginModule })
    t += step(td)
  }
  let pages = 1 + rng.geometric(MEAN_PAGES * length)
  let actions = rng.geometric(MEAN_ACTIONS * length)
  while (pages + actions > 0) {
    const m = mix.modules[rng.pickWeighted(mix.cumulative)]!
    if (rng.next() * (pages + actions) < pages) {
      pages--
      if (free && rng.next() < TEASER_CHANCE) {
        const paid = world.vocabulary.byKey.get(rng.pick(world.vocabulary.paidKeys))!
        out.page(t, userId, paid.name, rng.pick(paid.views))
      } else if (!free && rng.next() < CUSTOMER_PRICING_CHANCE) {
        const paid = world.vocabulary.byKey.get(rng.pick(world.vocabulary.paidKeys))!
        out.page(t, userId, 'Pricing', rng.pick(paid.pricing))
      } else {
        out.page(t, userId, m.name, rng.pick(m.views))
      }
    } else {
      actions--
      out.track(t, userId, rng.pick(m.actions), { module: m.key })
    }
    t += step(td)
  }
}
