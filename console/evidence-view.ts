import { explainEvidence, formatNumber } from './explain.js'
import { type Html, html } from './html.js'
import { when } from './layout.js'
import type { RuleVersionInfo } from './reads.js'

const componentNames: Record<string, string> = {
  usageTrend: 'Usage trend',
  moduleBreadth: 'Modules in use',
  seatUtilisation: 'Seats in use',
  recency: 'Recent activity',
  openAlerts: 'Open alerts',
}

/** One firing: the rule, why it fired in words, and the evidence numbers. */
export function whyItFired(input: {
  ruleId: string
  ruleVersion: number | null
  rule: RuleVersionInfo | undefined
  evidence: unknown
  firedAt?: string
  moduleNames: ReadonlyMap<string, string>
}): Html {
  const { reasons, others } = explainEvidence(
    input.rule?.definition,
    input.evidence,
    input.moduleNames,
  )
  return html`<div class="why">
    <p class="why-rule"><strong>${input.rule?.name ?? input.ruleId}</strong>
      <span class="muted">(${input.ruleId}${input.ruleVersion !== null && html` v${input.ruleVersion}`}${input.firedAt && html`, fired ${when(input.firedAt)}`})</span></p>
    ${input.rule?.description && html`<p class="muted">${input.rule.description}</p>`}
    ${reasons.length > 0 && html`<ul class="reasons">${reasons.map((r) => html`<li>${r.text}</li>`)}</ul>`}
    <p class="evidence-title">Evidence</p>
    <dl class="evidence">
      ${[...reasons.map((r) => ({ key: r.key, value: r.value })), ...others].map(
        (f) => html`<div><dt><code>${f.key}</code></dt><dd>${formatNumber(f.value)}</dd></div>`,
      )}
    </dl>
  </div>`
}

/** The health score and what it is made of, as meters a screen reader can read. */
export function healthView(score: number | null, components: Record<string, unknown>): Html {
  if (score === null)
    return html`<p class="muted">No health score yet: it is computed for customers by the hourly health job.</p>`
  const parts = Object.entries(components).filter(([, v]) => typeof v === 'number') as Array<
    [string, number]
  >
  return html`<div class="health">
    <p class="health-score"><span class="score ${score < 40 ? 'bad' : score < 70 ? 'fair' : 'good'}">${score}</span> <span>health score (0–100)</span></p>
    <dl class="components">
      ${parts.map(
        ([key, value]) => html`<div>
          <dt>${componentNames[key] ?? key}</dt>
          <dd><meter min="0" max="1" low="0.4" high="0.7" optimum="1" value="${value}" aria-label="${componentNames[key] ?? key}">${Math.round(value * 100)}%</meter> <span>${Math.round(value * 100)}%</span></dd>
        </div>`,
      )}
    </dl>
  </div>`
}
