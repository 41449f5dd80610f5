/**
 * A second fixture world: Ledgerly, an imagined accounting SaaS, and about 85 of its
 * tenants over a few weeks of Segment-spec telemetry, as analytics.js would send it.
 *
 * It is written apart from sim/ and rules/ on purpose, without looking at either, so
 * that tests can check TenantPulse on data it was not tuned on. Its module catalogue is
 * ./modules.json. Deterministic for a seed; node built-ins only.
 */

const DAY = 86_400_000
const HOUR = 3_600_000
const BASE_URL = 'https://app.ledgerly.example'
const LIBRARY = { name: 'analytics.js', version: '5.2.0' } as const

// ---------------------------------------------------------------------------------------
// Exported shapes

export interface SegmentPage {
  path: string
  url: string
  title: string
  referrer: string
  search: string
}

export interface SegmentContext {
  /** Tenant id. On group calls the SDK carries it at the top level instead. */
  groupId?: string
  library: { name: string; version: string }
  page: SegmentPage
  userAgent: string
  locale: string
}

/** One message as analytics.js puts it in a /v1/batch body. */
export interface SegmentMessage {
  type: 'identify' | 'group' | 'page' | 'track'
  messageId: string
  timestamp: string
  userId: string
  anonymousId: string
  /** track only */
  event?: string
  /** page only: the page title */
  name?: string
  /** group only */
  groupId?: string
  /** identify and group */
  traits?: Record<string, unknown>
  /** page and track */
  properties?: Record<string, unknown>
  context: SegmentContext
  integrations: Record<string, never>
}

export type Story =
  | 'quiet-free'
  | 'price-glancer'
  | 'evaluator'
  | 'outgrowing'
  | 'healthy'
  | 'seasonal-dip'
  | 'collapsing'

export interface OtherCompanyTenant {
  id: string
  name: string
  plan: string
  seats: number
  story: Story
  users: number
}

export interface OtherCompanyWorld {
  /** The evaluation day, UTC midnight; every event is strictly before it. */
  today: Date
  days: number
  tenants: OtherCompanyTenant[]
  /** Sorted by timestamp. */
  events: SegmentMessage[]
  /** Tenant ids. */
  truth: { intent: string[]; churning: string[] }
  freePlans: string[]
}

// ---------------------------------------------------------------------------------------
// Randomness: mulberry32, one stream per tenant so that tenants do not shift each other.

function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function mix(...parts: number[]): number {
  let h = 0x9e3779b9
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b)
    h ^= h >>> 13
    h = Math.imul(h, 0xc2b2ae35)
    h ^= h >>> 16
  }
  return h >>> 0
}

class Rng {
  private readonly next: () => number
  constructor(seed: number) {
    this.next = mulberry32(seed)
  }
  float(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next()
  }
  /** lo..hi inclusive */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1))
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list')
    return items[Math.floor(this.next() * items.length)] as T
  }
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items]
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      const tmp = out[i] as T
      out[i] = out[j] as T
      out[j] = tmp
    }
    return out
  }
  sample<T>(items: readonly T[], k: number): T[] {
    return this.shuffle(items).slice(0, Math.max(0, Math.min(k, items.length)))
  }
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    const total = entries.reduce((sum, [, w]) => sum + w, 0)
    let x = this.next() * total
    for (const [item, w] of entries) {
      x -= w
      if (x < 0) return item
    }
    const last = entries[entries.length - 1]
    if (!last) throw new Error('weighted pick from an empty list')
    return last[0]
  }
  hex(length: number): string {
    let s = ''
    while (s.length < length) {
      s += Math.floor(this.next() * 0x100000000)
        .toString(16)
        .padStart(8, '0')
    }
    return s.slice(0, length)
  }
}

// ---------------------------------------------------------------------------------------
// The product: modules, their pages and their feature actions.

type FreeModule = 'books' | 'contacts' | 'banking'
type PaidModule = 'payroll' | 'expenses' | 'forecasting' | 'multicurrency'
type ModuleKey = FreeModule | PaidModule

const PAID_MODULES: readonly PaidModule[] = ['payroll', 'expenses', 'forecasting', 'multicurrency']

interface PageDef {
  path: string
  title: string
}

/** `{n}` in a template is filled with a record number. */
type PageTemplate = readonly [path: string, title: string]

interface ActionDef {
  event: string
  page: PageTemplate
  properties: (rng: Rng) => Record<string, unknown>
}

interface ModuleDef {
  name: string
  paid: boolean
  pages: readonly PageTemplate[]
  actions: readonly ActionDef[]
}

const CURRENCIES = ['EUR', 'USD', 'CAD', 'AUD', 'CHF', 'SEK', 'JPY', 'NZD'] as const
const money = (rng: Rng, lo: number, hi: number) => Math.round(rng.float(lo, hi) * 100) / 100

const MODULES: Record<ModuleKey, ModuleDef> = {
  books: {
    name: 'Bookkeeping',
    paid: false,
    pages: [
      ['/overview', 'Overview'],
      ['/books/invoices', 'Invoices'],
      ['/books/invoices/new', 'New invoice'],
      ['/books/invoices/inv-{n}', 'Invoice INV-{n}'],
      ['/books/bills', 'Bills to pay'],
      ['/books/reports/profit-and-loss', 'Profit and loss'],
      ['/books/reports/balance-sheet', 'Balance sheet'],
      ['/books/journal', 'Manual journals'],
      ['/books/accounts', 'Chart of accounts'],
    ],
    actions: [
      {
        event: 'Invoice Created',
        page: ['/books/invoices/new', 'New invoice'],
        properties: (r) => ({ amount: money(r, 40, 4800), currency: 'GBP' }),
      },
      {
        event: 'Invoice Sent',
        page: ['/books/invoices/inv-{n}', 'Invoice INV-{n}'],
        properties: (r) => ({ channel: r.pick(['email', 'email', 'link']) }),
      },
      {
        event: 'Bill Recorded',
        page: ['/books/bills', 'Bills to pay'],
        properties: (r) => ({ amount: money(r, 15, 2500), currency: 'GBP' }),
      },
    ],
  },
  contacts: {
    name: 'Contacts',
    paid: false,
    pages: [
      ['/contacts', 'Contacts'],
      ['/contacts/customers', 'Customers'],
      ['/contacts/suppliers', 'Suppliers'],
      ['/contacts/c-{n}', 'Contact details'],
      ['/contacts/new', 'New contact'],
    ],
    actions: [
      {
        event: 'Contact Added',
        page: ['/contacts/new', 'New contact'],
        properties: (r) => ({ contactType: r.pick(['customer', 'supplier']) }),
      },
      {
        event: 'Contact Updated',
        page: ['/contacts/c-{n}', 'Contact details'],
        properties: () => ({}),
      },
    ],
  },
  banking: {
    name: 'Bank Feeds',
    paid: false,
    pages: [
      ['/bank', 'Bank accounts'],
      ['/bank/accounts/acc-{n}', 'Bank account'],
      ['/bank/reconcile', 'Reconcile'],
      ['/bank/transactions', 'Bank transactions'],
      ['/bank/rules', 'Bank rules'],
    ],
    actions: [
      {
        event: 'Bank Transaction Matched',
        page: ['/bank/reconcile', 'Reconcile'],
        properties: (r) => ({ matched: r.int(1, 24) }),
      },
      {
        event: 'Bank Feed Refreshed',
        page: ['/bank/accounts/acc-{n}', 'Bank account'],
        properties: () => ({}),
      },
    ],
  },
  payroll: {
    name: 'Payroll',
    paid: true,
    pages: [
      ['/payroll', 'Payroll'],
      ['/payroll/employees', 'Employees'],
      ['/payroll/employees/e-{n}', 'Employee'],
      ['/payroll/runs', 'Pay runs'],
      ['/payroll/runs/pr-{n}', 'Pay run'],
      ['/payroll/settings', 'Payroll settings'],
    ],
    actions: [
      {
        event: 'Payslip Generated',
        page: ['/payroll/runs/pr-{n}', 'Pay run'],
        properties: (r) => ({ payslips: r.int(2, 60) }),
      },
      {
        event: 'Pay Run Approved',
        page: ['/payroll/runs/pr-{n}', 'Pay run'],
        properties: (r) => ({ frequency: r.pick(['monthly', 'weekly', 'fortnightly']) }),
      },
    ],
  },
  expenses: {
    name: 'Expense Claims',
    paid: true,
    pages: [
      ['/expenses', 'Expense claims'],
      ['/expenses/claims', 'My claims'],
      ['/expenses/claims/new', 'New claim'],
      ['/expenses/claims/ex-{n}', 'Claim'],
      ['/expenses/approvals', 'Approvals'],
    ],
    actions: [
      {
        event: 'Expense Submitted',
        page: ['/expenses/claims/new', 'New claim'],
        properties: (r) => ({
          amount: money(r, 4, 650),
          category: r.pick(['travel', 'meals', 'mileage', 'equipment', 'software']),
        }),
      },
      {
        event: 'Expense Approved',
        page: ['/expenses/approvals', 'Approvals'],
        properties: (r) => ({ amount: money(r, 4, 650) }),
      },
    ],
  },
  forecasting: {
    name: 'Cash-flow Forecasting',
    paid: true,
    pages: [
      ['/insights/forecast', 'Cash-flow forecast'],
      ['/insights/forecast/scenarios', 'Scenarios'],
      ['/insights/forecast/scenarios/s-{n}', 'Scenario'],
      ['/insights/forecast/settings', 'Forecast settings'],
    ],
    actions: [
      {
        event: 'Forecast Run',
        page: ['/insights/forecast', 'Cash-flow forecast'],
        properties: (r) => ({ horizonMonths: r.pick([3, 6, 12, 12, 18]) }),
      },
      {
        event: 'Scenario Saved',
        page: ['/insights/forecast/scenarios/s-{n}', 'Scenario'],
        properties: () => ({}),
      },
    ],
  },
  multicurrency: {
    name: 'Multi-currency',
    paid: true,
    pages: [
      ['/settings/currencies', 'Currencies'],
      ['/settings/currencies/rates', 'Exchange rates'],
      ['/settings/currencies/new', 'Add currency'],
      ['/settings/currencies/revaluation', 'Currency revaluation'],
    ],
    actions: [
      {
        event: 'Currency Added',
        page: ['/settings/currencies/new', 'Add currency'],
        properties: (r) => ({ currency: r.pick(CURRENCIES) }),
      },
      {
        event: 'Exchange Rate Updated',
        page: ['/settings/currencies/rates', 'Exchange rates'],
        properties: (r) => ({ currency: r.pick(CURRENCIES) }),
      },
    ],
  },
}

/** Pages that belong to no module: everyday noise. */
const UNATTRIBUTED: readonly PageTemplate[] = [
  ['/settings/profile', 'Your profile'],
  ['/settings/organisation', 'Organisation settings'],
  ['/notifications', 'Notifications'],
  ['/help', 'Help centre'],
]
const BILLING_PAGE: PageTemplate = ['/account/billing', 'Billing']
const PLANS_PAGE: PageTemplate = ['/plans', 'Plans and pricing']

function fill(rng: Rng, [path, title]: PageTemplate): PageDef {
  if (!path.includes('{n}')) return { path, title }
  const n = String(rng.int(1000, 9999))
  return { path: path.replaceAll('{n}', n), title: title.replaceAll('{n}', n) }
}

const upgradePage = (key: PaidModule): PageDef => ({
  path: `/upgrade/${key}`,
  title: `Upgrade to ${MODULES[key].name}`,
})

// ---------------------------------------------------------------------------------------
// Plans

const FREE_PLAN = 'Community'
const FREE_SEATS = 10
const PER_SEAT: Record<string, number> = { Team: 14, Pro: 26, Premium: 42 }

// ---------------------------------------------------------------------------------------
// Internal model

interface PageStep {
  kind: 'page'
  page: PageDef
}
interface TrackStep {
  kind: 'track'
  /** '' for a pricing view */
  module: ModuleKey | ''
  event: string
  page: PageDef
  properties: Record<string, unknown>
}
type Step = PageStep | TrackStep

interface UserModel {
  id: string
  anonymousId: string
  name: string
  email: string
  userAgent: string
  /** chance of being active on a weekday */
  rate: number
  weights: Partial<Record<ModuleKey, number>>
  /** preferred hour (UTC) of the first event of the day */
  hour: number
  /** 0..1; in a collapsing tenant a user stays while the retained share is above it */
  rank: number
}

interface DayRule {
  /** multiplies every user's chance of being active */
  factor: number
  /** share of users still around (collapsing), by rank */
  retained: number
  /** multiplies the weight of paid modules in a session */
  paidWeight: number
  /** whether paid-module feature actions happen at all */
  paidTracks: boolean
}

interface Plan {
  story: Story
  name: string
  domain: string
  users: UserModel[]
  plan: string
  seats: number
  mrr?: number
  paidModules: PaidModule[]
  rules: DayRule[]
  /** user -> scripted steps, per day */
  extras: Map<number, Step[]>[]
  /** days on which the paid-module weekly guarantee holds */
  guaranteeDays: boolean[]
  /** users who must be active at least once each week (outgrowing) */
  weeklyUsers: number[]
  /** [first, last] day of a holiday week, kept at (1 - dip) of its sessions */
  dip?: { from: number; to: number; keep: number }
}

const words = (text: string) => text.trim().split(/\s+/)
const list = (text: string) => text.split('|').map((item) => item.trim().replace(/\s+/g, ' '))
const FIRST_NAMES = words(`
  Amelia Ben Chloe Dev Ellie Farid Grace Hamish Isla Jonah Kiran Leah Mateo Niamh Owen
  Priya Quentin Rosa Sami Tess Uma Victor Wren Xavier Yara Zach Aoife Bilal Cara Dmitri
  Esme Felix Gemma Hugo Ines Jamal Kasia Luca Maya Nadia
`)
const LAST_NAMES = words(`
  Adams Bhatt Carter Doyle Evans Fischer Garcia Hughes Iqbal Jensen Kowalski Lopez Murphy
  Nakamura O'Brien Patel Quinn Reid Santos Taylor Usman Varga Walsh Xu Young Zielinski
  Ahmed Byrne Costa Duffy Ellis Flynn Gill Hart Ito Khan Lindqvist Moreau
`)
const NAME_PREFIXES = words(`
  Harbour Northgate Bramble Copperleaf Juniper Kestrel Larchwood Meadow Oakridge Pebble
  Quill Riverside Saffron Thistle Umber Willow Ashford Bluebell Cedar Driftwood Elmstone
  Foxglove Granite Heron Ivybridge Linden Marlow Nettle Orchard Puffin
`)
const NAME_TRADES = list(`
  Bakery | Plumbing | Architects | Dental | Joinery | Florists | Coffee Roasters |
  Landscaping | Print Works | Veterinary | Electrical | Cycles | Opticians | Removals |
  Catering | Design Studio | Physiotherapy | Brewing | Tailoring | Signs | Accountants |
  Builders | Surveyors | Pottery
`)
const NAME_SUFFIXES = ['Ltd', 'Ltd', '& Co', 'Partners', 'Group', 'LLP', '']
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
]

const STORY_COUNTS: readonly (readonly [Story, number])[] = [
  ['quiet-free', 25],
  ['price-glancer', 6],
  ['evaluator', 12],
  ['outgrowing', 3],
  ['healthy', 20],
  ['seasonal-dip', 6],
  ['collapsing', 10],
]

const isWeekend = (time: number) => {
  const day = new Date(time).getUTCDay()
  return day === 0 || day === 6
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .replaceAll('&', 'and')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
}

function uuid(rng: Rng): string {
  const h = rng.hex(32)
  const variant = ((Number.parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

// ---------------------------------------------------------------------------------------
// The world

export function buildOtherCompanyWorld(options: {
  today: Date
  days?: number
  seed?: number
}): OtherCompanyWorld {
  const days = options.days ?? 28
  const seed = options.seed ?? 1
  if (!Number.isInteger(days) || days < 14) {
    throw new RangeError('days must be a whole number of at least 14')
  }
  const t = options.today
  const today = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()))
  const start = today.getTime() - days * DAY
  const dayStart = (d: number) => start + d * DAY
  const weekend = Array.from({ length: days }, (_, d) => isWeekend(dayStart(d)))
  /** 0 = the last 7 days before today, 1 = the 7 before those, ... */
  const weekOf = (d: number) => Math.floor((days - 1 - d) / 7)
  /** 1 = the last day before today */
  const ago = (d: number) => days - d

  const master = new Rng(mix(seed, 0x1ed9e71))
  const stories = master.shuffle(STORY_COUNTS.flatMap(([story, n]) => Array<Story>(n).fill(story)))
  const names = new Set<string>()
  const companyName = () => {
    for (;;) {
      const suffix = master.pick(NAME_SUFFIXES)
      const name =
        `${master.pick(NAME_PREFIXES)} ${master.pick(NAME_TRADES)}${suffix ? ` ${suffix}` : ''}`.trim()
      const key = slug(name.replace(/ (Ltd|& Co|Partners|Group|LLP)$/, ''))
      if (!names.has(key)) {
        names.add(key)
        return name
      }
    }
  }
  const userIds = new Set<string>()
  const anonymousIds = new Set<string>()

  const tenants: OtherCompanyTenant[] = []
  const timed: { time: number; message: SegmentMessage }[] = []
  // Counters per story, so that the variants inside a story are spread evenly.
  const storyIndex = new Map<Story, number>()

  stories.forEach((story, index) => {
    const id = `ldg-${String(index + 1).padStart(4, '0')}`
    const rng = new Rng(mix(seed, index + 1, 0x7e4a47))
    const nth = storyIndex.get(story) ?? 0
    storyIndex.set(story, nth + 1)
    const name = companyName()
    const plan = planTenant(story, nth, name, rng)
    tenants.push({
      id,
      name,
      plan: plan.plan,
      seats: plan.seats,
      story,
      users: plan.users.length,
    })
    let counter = 0
    const messageId = () => {
      counter += 1
      return `ajs-${rng.hex(20)}${index.toString(16).padStart(4, '0')}${counter.toString(16).padStart(8, '0')}`
    }
    for (const entry of renderTenant(id, plan, rng, messageId)) timed.push(entry)
  })

  // ---- planning one tenant ------------------------------------------------------------

  function makeUsers(count: number, domain: string, rng: Rng, rate: () => number): UserModel[] {
    const emails = new Set<string>()
    // The admin (user 0) has the lowest rank: the last to leave a collapsing tenant.
    const ranks = [0, ...rng.shuffle(Array.from({ length: count - 1 }, (_, i) => i + 1))]
    return Array.from({ length: count }, (_, i) => {
      const first = rng.pick(FIRST_NAMES)
      const last = rng.pick(LAST_NAMES)
      let local = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '')
      for (let k = 2; emails.has(local); k++) {
        local = `${first}.${last}${k}`.toLowerCase().replace(/[^a-z0-9.]/g, '')
      }
      emails.add(local)
      let userId = `usr_${rng.hex(12)}`
      while (userIds.has(userId)) userId = `usr_${rng.hex(12)}`
      userIds.add(userId)
      let anonymousId = uuid(rng)
      while (anonymousIds.has(anonymousId)) anonymousId = uuid(rng)
      anonymousIds.add(anonymousId)
      return {
        id: userId,
        anonymousId,
        name: `${first} ${last}`,
        email: `${local}@${domain}`,
        userAgent: rng.pick(USER_AGENTS),
        rate: rate(),
        weights: {
          books: rng.float(0.9, 1.6),
          contacts: rng.float(0.25, 0.6),
          banking: rng.float(0.3, 0.8),
        },
        hour: rng.float(7.5, 15.5),
        rank: ((ranks[i] ?? 0) + 0.5) / count,
      }
    })
  }

  function planTenant(story: Story, nth: number, name: string, rng: Rng): Plan {
    const domain = `${slug(name.replace(/ (Ltd|& Co|Partners|Group|LLP)$/, ''))}.example`
    const plain: DayRule = { factor: 1, retained: 1, paidWeight: 1, paidTracks: true }
    const base = (): Plan => ({
      story,
      name,
      domain,
      users: [],
      plan: FREE_PLAN,
      seats: FREE_SEATS,
      paidModules: [],
      rules: Array.from({ length: days }, () => ({ ...plain, factor: rng.float(0.8, 1.15) })),
      extras: Array.from({ length: days }, () => new Map<number, Step[]>()),
      guaranteeDays: Array<boolean>(days).fill(false),
      weeklyUsers: [],
    })
    const addExtra = (p: Plan, day: number, user: number, steps: Step[]) => {
      const map = p.extras[day]
      if (!map) return
      map.set(user, [...(map.get(user) ?? []), ...steps])
    }
    const strays = (p: Plan) => {
      const strayDays = rng.sample(
        Array.from({ length: days }, (_, d) => d),
        rng.int(1, 2),
      )
      for (const d of strayDays) {
        const m = rng.pick(PAID_MODULES)
        const template = rng.chance(0.6) ? MODULES[m].pages[0] : rng.pick(MODULES[m].pages)
        if (template) {
          addExtra(p, d, rng.int(0, p.users.length - 1), [
            { kind: 'page', page: fill(rng, template) },
          ])
        }
      }
    }
    const pricingTrack = (m: PaidModule): TrackStep => ({
      kind: 'track',
      module: '',
      event: 'Pricing Viewed',
      page: upgradePage(m),
      properties: { source: 'upgrade_modal' },
    })

    switch (story) {
      case 'quiet-free': {
        const p = base()
        p.users = makeUsers(rng.int(2, 8), domain, rng, () => rng.float(0.15, 0.45))
        strays(p)
        return p
      }
      case 'price-glancer': {
        const p = base()
        p.users = makeUsers(rng.int(3, 8), domain, rng, () => rng.float(0.15, 0.45))
        strays(p)
        const glanceDays = rng.sample(
          Array.from({ length: days }, (_, d) => d),
          rng.int(1, 2),
        )
        for (const d of glanceDays) {
          const user = rng.int(0, p.users.length - 1)
          if (rng.chance(0.4)) {
            addExtra(p, d, user, [{ kind: 'page', page: fill(rng, PLANS_PAGE) }])
          } else {
            const m = rng.pick(PAID_MODULES)
            const step: Step = rng.chance(0.5)
              ? { kind: 'page', page: upgradePage(m) }
              : pricingTrack(m)
            addExtra(p, d, user, [step])
          }
        }
        return p
      }
      case 'evaluator': {
        const p = base()
        p.users = makeUsers(rng.int(4, 9), domain, rng, () => rng.float(0.25, 0.55))
        const module = PAID_MODULES[nth % PAID_MODULES.length] as PaidModule
        // How the product reports the upgrade page: as page calls, as track calls, or both.
        const style = (['page', 'track', 'mixed'] as const)[nth % 3]
        const window = Math.min(rng.int(6, 12), days - 2)
        const windowDays = Array.from({ length: window }, (_, i) => days - window + i)
        const weekdays = windowDays.filter((d) => !weekend[d])
        const weekendDays = windowDays.filter((d) => weekend[d])
        let browseDays = rng.sample(weekdays, rng.int(3, Math.min(6, weekdays.length)))
        if (weekendDays.length > 0 && rng.chance(0.25)) {
          browseDays = [...browseDays, rng.pick(weekendDays)]
        }
        browseDays.sort((a, b) => a - b)
        const evaluators = rng.sample(
          Array.from({ length: p.users.length }, (_, i) => i),
          rng.int(3, Math.min(6, p.users.length)),
        )
        const browsers = new Map<number, number[]>()
        // Every evaluating user browses on one day at least; then a few more at random.
        evaluators.forEach((user, i) => {
          const d = browseDays[i % browseDays.length] as number
          browsers.set(d, [...(browsers.get(d) ?? []), user])
        })
        for (const d of browseDays) {
          const list = browsers.get(d) ?? []
          if (list.length < 3 && rng.chance(0.5)) {
            const extra = rng.pick(evaluators)
            if (!list.includes(extra)) list.push(extra)
          }
          browsers.set(d, list)
        }
        for (const [d, list] of browsers) {
          for (const user of list) {
            const pages = rng.sample(MODULES[module].pages, rng.int(2, 4))
            addExtra(
              p,
              d,
              user,
              pages.map((template) => ({ kind: 'page', page: fill(rng, template) })),
            )
          }
        }
        // Upgrade page views on 2-5 different days, mostly on days of browsing.
        const upgradeCount = rng.int(2, 5)
        const others = windowDays.filter((d) => !browseDays.includes(d) && !weekend[d])
        const upgradeDays = [
          ...rng.sample(browseDays, Math.min(upgradeCount, browseDays.length - 1)),
        ]
        while (upgradeDays.length < upgradeCount && others.length > 0) {
          const d = rng.pick(others)
          others.splice(others.indexOf(d), 1)
          upgradeDays.push(d)
        }
        upgradeDays.sort((a, b) => a - b)
        upgradeDays.forEach((d, i) => {
          const onDay = browsers.get(d)
          const user = onDay && onDay.length > 0 ? rng.pick(onDay) : rng.pick(evaluators)
          const asTrack = style === 'track' || (style === 'mixed' && i % 2 === 1)
          const steps: Step[] = []
          if (!onDay?.includes(user)) {
            const first = MODULES[module].pages[0]
            if (first) steps.push({ kind: 'page', page: fill(rng, first) })
          }
          steps.push(asTrack ? pricingTrack(module) : { kind: 'page', page: upgradePage(module) })
          addExtra(p, d, user, steps)
        })
        return p
      }
      case 'outgrowing': {
        const p = base()
        p.users = makeUsers(FREE_SEATS, domain, rng, () => rng.float(0.72, 0.92))
        const light = p.users[FREE_SEATS - 1]
        if (light) light.rate = rng.float(0.3, 0.6)
        for (const user of p.users) {
          user.weights = {
            books: rng.float(1, 1.6),
            contacts: rng.float(0.4, 0.8),
            banking: rng.float(0.6, 1.1),
          }
        }
        p.weeklyUsers = Array.from({ length: FREE_SEATS - 1 }, (_, i) => i)
        return p
      }
      case 'healthy':
      case 'seasonal-dip':
      case 'collapsing': {
        const p = base()
        const count = rng.int(8, 40)
        p.users = makeUsers(count, domain, rng, () => rng.float(0.45, 0.8))
        const tier = count <= 14 ? 0 : count <= 26 ? 1 : 2
        const shifted = rng.chance(0.2) ? Math.max(0, Math.min(2, tier + rng.pick([-1, 1]))) : tier
        p.plan = ['Team', 'Pro', 'Premium'][shifted] as string
        p.seats = Math.max(count, Math.round(count * rng.float(1, 1.5)))
        p.mrr = p.seats * (PER_SEAT[p.plan] ?? 0)
        p.paidModules = rng.sample(PAID_MODULES, rng.int(1, 2))
        for (const m of p.paidModules) {
          // [fewest users, most users, lowest weight, highest weight]: payroll, forecasts and
          // currencies are a specialist's job; nearly everyone files an expense now and then.
          const few = count < 15 ? 1 : 2
          const share: Record<PaidModule, [number, number, number, number]> = {
            payroll: [few, 3, 0.8, 1.5],
            expenses: [
              Math.max(2, Math.round(count * 0.3)),
              Math.max(3, Math.round(count * 0.6)),
              0.3,
              0.7,
            ],
            forecasting: [few, 3, 0.8, 1.4],
            multicurrency: [2, 5, 0.7, 1.3],
          }
          const [lo, hi, wLo, wHi] = share[m]
          const users = rng.sample(
            Array.from({ length: count }, (_, i) => i),
            rng.int(lo, Math.min(hi, count)),
          )
          for (const u of users) {
            const user = p.users[u]
            if (!user) continue
            user.weights[m] = rng.float(wLo, wHi)
            user.rate = Math.max(user.rate, rng.float(0.6, 0.85))
          }
        }
        p.guaranteeDays.fill(true)
        if (story === 'seasonal-dip') {
          const from = Math.max(0, Math.floor(days / 2) - 3 + rng.int(-2, 1))
          p.dip = { from, to: Math.min(days - 1, from + 6), keep: 1 - rng.float(0.3, 0.4) }
        }
        if (story === 'collapsing') planCollapse(p, nth, rng)
        return p
      }
    }
  }

  /** nth 0 and 1 go silent; 2-8 stop their paid-module actions; 9 keeps a trickle. */
  function planCollapse(p: Plan, nth: number, rng: Rng) {
    const silent = nth < 2
    const trickle = nth === 9
    const silence = silent ? Math.min(rng.int(11, 13), days - 6) : 0
    const lead = silent ? rng.int(Math.max(16, silence + 4), 24) : rng.int(12, 24)
    const decline = Math.min(lead, days - 4) // days before today when the decline begins
    // Down to 0-25% of the users, but (unless silent) the admin at least is still around.
    const floor = silent ? 0 : Math.max(rng.float(0, 0.25), 1 / p.users.length)
    const floorAt = silent ? silence : rng.int(2, 4)
    const stepped = rng.chance(0.4)
    const steps = rng.int(2, 3)
    const paidStop = trickle ? 0 : rng.int(7, 10)
    const lowAtSilence = rng.float(0.25, 0.4)
    for (let d = 0; d < days; d++) {
      const x = ago(d)
      const rule = p.rules[d]
      if (!rule) continue
      if (x > decline) continue
      p.guaranteeDays[d] = false
      let retained: number
      if (silent) {
        // From everyone down to a handful, then nobody.
        retained =
          x <= silence
            ? 0
            : lowAtSilence + (1 - lowAtSilence) * ((x - silence - 1) / (decline - silence - 1 || 1))
      } else if (x <= floorAt) {
        retained = floor
      } else {
        const progress = (decline - x) / (decline - floorAt) // 0 at the start, 1 at the floor
        const shaped = stepped ? Math.ceil(progress * steps) / steps : progress
        retained = 1 - (1 - floor) * shaped
      }
      rule.retained = Math.max(0, Math.min(1, retained))
      rule.factor *= 0.75 + 0.25 * rule.retained // those who stay come by a little less often
      if (x <= paidStop) {
        rule.paidTracks = false
        rule.paidWeight = 0.15
      } else {
        rule.paidWeight = trickle ? 0.5 : 0.4 + 0.6 * rule.retained
      }
    }
  }

  // ---- sessions and messages for one tenant ---------------------------------------------

  function renderTenant(
    tenantId: string,
    p: Plan,
    rng: Rng,
    messageId: () => string,
  ): { time: number; message: SegmentMessage }[] {
    // 1. Who is active on which day.
    const active: boolean[][] = Array.from({ length: days }, (_, d) => {
      const rule = p.rules[d] as DayRule
      const dayRate = rule.factor * (weekend[d] ? 0.15 : 1)
      return p.users.map(
        (user) => user.rank < rule.retained && rng.chance(Math.min(1, user.rate * dayRate)),
      )
    })
    if (p.dip) {
      for (let d = p.dip.from; d <= p.dip.to; d++) {
        const row = active[d] as boolean[]
        const on = row.flatMap((a, u) => (a ? [u] : []))
        const keep = new Set(rng.sample(on, Math.round(on.length * p.dip.keep)))
        for (const u of on) row[u] = keep.has(u)
      }
    }
    for (let d = 0; d < days; d++) {
      for (const u of p.extras[d]?.keys() ?? []) (active[d] as boolean[])[u] = true
    }
    const weeks = weekOf(0) + 1
    const blockDays = (w: number) =>
      Array.from({ length: days }, (_, d) => d).filter((d) => weekOf(d) === w)
    for (const u of p.weeklyUsers) {
      for (let w = 0; w < weeks; w++) {
        const inBlock = blockDays(w)
        if (inBlock.some((d) => active[d]?.[u])) continue
        const weekdays = inBlock.filter((d) => !weekend[d])
        const d = rng.pick(weekdays.length > 0 ? weekdays : inBlock)
        ;(active[d] as boolean[])[u] = true
      }
    }

    // 2. What each active user does.
    const sessions: (Step[] | undefined)[][] = active.map((row, d) =>
      row.map((on, u) => (on ? session(p, d, u, rng) : undefined)),
    )

    // 3. Paying tenants use what they bought, with feature actions, every week.
    for (const m of p.paidModules) {
      const moduleUsers = p.users.flatMap((user, u) => ((user.weights[m] ?? 0) > 0 ? [u] : []))
      for (let w = 0; w < weeks; w++) {
        const inBlock = blockDays(w).filter((d) => p.guaranteeDays[d])
        if (inBlock.length < Math.min(5, blockDays(w).length)) continue
        const used = inBlock.some((d) =>
          sessions[d]?.some((s) => s?.some((step) => step.kind === 'track' && step.module === m)),
        )
        if (used || moduleUsers.length === 0) continue
        const u = rng.pick(moduleUsers)
        const withSession = inBlock.filter((d) => sessions[d]?.[u])
        const weekdays = inBlock.filter((d) => !weekend[d])
        const d = rng.pick(
          withSession.length > 0 ? withSession : weekdays.length > 0 ? weekdays : inBlock,
        )
        const row = sessions[d] as (Step[] | undefined)[]
        const steps = row[u] ?? session(p, d, u, rng)
        const action = rng.pick(MODULES[m].actions)
        const step = trackStep(rng, m, action)
        if (steps.length >= 6) steps[steps.length - 1] = step
        else steps.push(step)
        row[u] = steps
      }
    }

    // 4. Group calls: the admin on the tenant's first active day, and again about midway.
    const admin = 0
    const firstDay = sessions.findIndex((row) => row.some(Boolean))
    const groupDays: number[] = []
    if (firstDay >= 0) {
      const row = sessions[firstDay] as (Step[] | undefined)[]
      row[admin] ??= session(p, firstDay, admin, rng)
      groupDays.push(firstDay)
      const mid = Math.floor(days / 2)
      for (let k = 0; k < days; k++) {
        const candidates = [mid + k, mid - k]
        const hit = candidates.find(
          (d) => d > firstDay && d < days && sessions[d]?.[admin] !== undefined,
        )
        if (hit !== undefined) {
          groupDays.push(hit)
          break
        }
      }
    }

    // 5. Messages.
    const out: { time: number; message: SegmentMessage }[] = []
    const identified = new Set<number>()
    const traits: Record<string, unknown> = { name: p.name, plan: p.plan, seats: p.seats }
    if (p.mrr !== undefined) traits.mrr = p.mrr
    for (let d = 0; d < days; d++) {
      const row = sessions[d] as (Step[] | undefined)[]
      row.forEach((steps, u) => {
        if (!steps || steps.length === 0) return
        const user = p.users[u] as UserModel
        const hour = Math.max(7, Math.min(17.5, user.hour + rng.float(-1.5, 1.5)))
        let time = dayStart(d) + Math.round(hour * HOUR) + rng.int(0, 59_999)
        const first = steps[0] as Step
        const envelope = () => ({
          messageId: messageId(),
          timestamp: new Date(time).toISOString(),
          userId: user.id,
          anonymousId: user.anonymousId,
          integrations: {},
        })
        const context = (page: PageDef, withGroup: boolean): SegmentContext => ({
          ...(withGroup ? { groupId: tenantId } : {}),
          library: { ...LIBRARY },
          page: pageOf(page),
          userAgent: user.userAgent,
          locale: 'en-GB',
        })
        if (!identified.has(u)) {
          identified.add(u)
          time -= 2_000
          out.push({
            time,
            message: {
              type: 'identify',
              ...envelope(),
              traits: { email: user.email, name: user.name },
              context: context(first.page, true),
            },
          })
          time += 1_000
        } else {
          time -= 1_000
        }
        if (u === admin && groupDays.includes(d)) {
          out.push({
            time,
            message: {
              type: 'group',
              ...envelope(),
              groupId: tenantId,
              traits: { ...traits },
              context: context(first.page, false),
            },
          })
        }
        time += 1_000
        for (const step of steps) {
          if (step.kind === 'page') {
            out.push({
              time,
              message: {
                type: 'page',
                ...envelope(),
                name: step.page.title,
                properties: { ...pageOf(step.page) },
                context: context(step.page, true),
              },
            })
          } else {
            out.push({
              time,
              message: {
                type: 'track',
                ...envelope(),
                event: step.event,
                properties: { ...step.properties },
                context: context(step.page, true),
              },
            })
          }
          time += rng.int(15_000, 300_000)
        }
      })
    }
    return out
  }

  /** 3-6 steps: a landing page, then pages and feature actions on the user's modules. */
  function session(p: Plan, d: number, u: number, rng: Rng): Step[] {
    const user = p.users[u] as UserModel
    const rule = p.rules[d] as DayRule
    const extras = p.extras[d]?.get(u) ?? []
    const total = rng.int(3, 6)
    const own = Math.max(1, total - extras.length)
    const entries = (Object.entries(user.weights) as [ModuleKey, number][]).map(
      ([m, w]) => [m, MODULES[m].paid ? w * rule.paidWeight : w] as const,
    )
    const steps: Step[] = [landing(rng)]
    while (steps.length < own) {
      if (rng.chance(0.04)) {
        const template =
          u === 0 && p.mrr !== undefined && rng.chance(0.4) ? BILLING_PAGE : rng.pick(UNATTRIBUTED)
        steps.push({ kind: 'page', page: fill(rng, template) })
        continue
      }
      const m = rng.weighted(entries)
      const def = MODULES[m]
      if (rng.chance(0.45) && (!def.paid || rule.paidTracks)) {
        steps.push(trackStep(rng, m, rng.pick(def.actions)))
      } else {
        steps.push({ kind: 'page', page: fill(rng, rng.pick(def.pages)) })
      }
    }
    if (extras.length > 0) steps.splice(rng.int(1, steps.length), 0, ...extras)
    return steps
  }

  const events = timed.sort((a, b) => a.time - b.time).map((entry) => entry.message)
  const ids = (wanted: Story[]) => tenants.filter((t) => wanted.includes(t.story)).map((t) => t.id)
  return {
    today,
    days,
    tenants,
    events,
    truth: { intent: ids(['evaluator', 'outgrowing']), churning: ids(['collapsing']) },
    freePlans: [FREE_PLAN],
  }
}

function landing(rng: Rng): PageStep {
  const page: PageDef = rng.chance(0.8)
    ? { path: '/overview', title: 'Overview' }
    : { path: '/', title: 'Dashboard' }
  return { kind: 'page', page }
}

function trackStep(rng: Rng, module: ModuleKey, action: ActionDef): TrackStep {
  return {
    kind: 'track',
    module,
    event: action.event,
    page: fill(rng, action.page),
    properties: action.properties(rng),
  }
}

function pageOf(page: PageDef): SegmentPage {
  return {
    path: page.path,
    url: BASE_URL + page.path,
    title: `${page.title} | Ledgerly`,
    referrer: '',
    search: '',
  }
}
