import { defaultEvidenceKey } from '../rules/rule-schema.js'

// What each metric counts, in the words a rep or a CSM would use; {m} is the module.
const phrases: Record<string, string> = {
  events: 'usage events{ on m}',
  active_users: 'active users{ on m}',
  user_days: 'user-days (daily active users added up){ on m}',
  active_days: 'days with any use{ of m}',
  module_views: 'page views{ of m}',
  module_usage: 'actions{ in m}',
  module_users: 'people{ on m}',
  pricing_views: 'pricing page views{ of m}',
  pricing_days: 'days with a pricing page view{ of m}',
  seat_utilisation: 'share of seats in use',
  days_since_last_activity: 'days since anyone used the product',
  days_to_renewal: 'days until the estimated renewal',
  health_score: 'health score',
}

const opWords: Record<string, string> = {
  '>': 'more than',
  '>=': 'at least',
  '<': 'less than',
  '<=': 'at most',
  '==': 'exactly',
  '!=': 'anything but',
}

interface ConditionDoc {
  key?: string
  metric: string
  of?: string
  module?: string
  window?: { days: number; offsetDays?: number }
  op: string
  value: number
}

export interface Reason {
  /** The sentence: what was measured, over which window, and the rule's threshold. */
  text: string
  key: string
  value: unknown
}

export function formatNumber(value: unknown): string {
  if (typeof value !== 'number') return value === undefined || value === null ? '—' : String(value)
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100)
}

/** A phrase with its module slot filled (`{ on m}` → ` on Analytics`) or dropped. */
function phrase(metric: string, moduleName: string | undefined): string {
  const text = phrases[metric] ?? `${metric.replaceAll('_', ' ')}{ on m}`
  return text.replace(/\{([^}]*)\bm\}/, (_whole, before: string) =>
    moduleName ? `${before}${moduleName}` : '',
  )
}

function what(c: ConditionDoc, moduleName: string | undefined): string {
  let text = phrase(c.metric, moduleName)
  if (c.of) {
    const of = phrase(c.of, moduleName)
    if (c.metric === 'pct_change') text = `change in ${of} against the period before (%)`
    else if (c.metric === 'zscore')
      text = `${of} against the account's usual level (standard deviations)`
    else text = `trend of ${of}`
  }
  if (c.window) {
    const days = c.window.days === 1 ? 'day' : `${c.window.days} days`
    text += c.window.offsetDays
      ? ` in the ${days} ending ${c.window.offsetDays} days ago`
      : ` in the last ${days}`
  }
  return text
}

/**
 * Why a rule fired, condition by condition, from the rule version that fired and its
 * evidence: "People on Analytics in the last 7 days: 3 (the rule asks for at least 3)".
 */
export function explainEvidence(
  definition: unknown,
  evidence: unknown,
  moduleNames: ReadonlyMap<string, string>,
): { reasons: Reason[]; others: Array<{ key: string; value: unknown }> } {
  const figures = (evidence && typeof evidence === 'object' ? evidence : {}) as Record<
    string,
    unknown
  >
  const doc = (definition ?? {}) as { conditions?: { all?: ConditionDoc[]; any?: ConditionDoc[] } }
  const conditions = [...(doc.conditions?.all ?? []), ...(doc.conditions?.any ?? [])]
  const module = typeof figures.module === 'string' ? figures.module : undefined
  const used = new Set(['module', 'intentTag', 'moduleName', 'tenantId'])
  const reasons: Reason[] = []
  for (const c of conditions) {
    if (typeof c?.metric !== 'string') continue
    const key = c.key ?? defaultEvidenceKey(c as Parameters<typeof defaultEvidenceKey>[0])
    used.add(key)
    const name = c.module ? (moduleNames.get(module ?? '') ?? module ?? c.module) : undefined
    const sentence = what(c, name)
    reasons.push({
      key,
      value: figures[key],
      text: `${sentence[0]!.toUpperCase()}${sentence.slice(1)}: ${formatNumber(figures[key])} (the rule asks for ${opWords[c.op] ?? c.op} ${formatNumber(c.value)})`,
    })
  }
  const others = Object.entries(figures)
    .filter(([key]) => !used.has(key))
    .map(([key, value]) => ({ key, value }))
  return { reasons, others }
}
