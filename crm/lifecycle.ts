/**
 * The account lifecycle, as pure functions. Every legal move is a row of `transitions`;
 * anything not in the table is refused as a value, never thrown.
 *
 *   prospect ──▶ lead ──▶ opportunity         (disqualified / lost: back to prospect)
 *   prospect, lead or opportunity ──first order──▶ customer ⟲ upsell order, renewal
 *   customer ──cancellation──▶ churned ──renewal or win-back order──▶ customer
 *
 * A customer's later orders and renewals hang off opportunities. See crm/README.md.
 */

export const lifecycleStates = ['prospect', 'lead', 'opportunity', 'customer', 'churned'] as const
export type Lifecycle = (typeof lifecycleStates)[number]

export type LeadSource = 'abm' | 'mql'
export type OpportunityKind = 'new' | 'upsell' | 'renewal'

export type LifecycleEvent =
  | { type: 'lead_entered'; source: LeadSource }
  | { type: 'lead_disqualified' }
  | { type: 'opportunity_opened' }
  | { type: 'opportunity_lost' }
  | { type: 'order_completed' }
  | { type: 'subscription_renewed' }
  | { type: 'subscription_cancelled' }

export type LifecycleEventType = LifecycleEvent['type']

/** What applying a transition must do besides setting the new lifecycle, in order. */
export type Effect =
  | { kind: 'open_lead'; source: LeadSource }
  | { kind: 'close_open_lead'; status: 'converted' | 'disqualified' }
  | { kind: 'open_opportunity'; opportunity: 'new' }
  /** Win the open opportunity of this kind, or book a new one already won. */
  | { kind: 'win_opportunity'; opportunity: OpportunityKind }
  | { kind: 'lose_open_opportunities' }
  /** Store the event's order, hanging off the opportunity just won. */
  | { kind: 'record_order' }
  /** Owner team becomes customer success; a CSM is assigned unless one still serves. */
  | { kind: 'hand_to_customer_success' }

export type TransitionRefusal = 'illegal_transition'

export type TransitionResult =
  | { ok: true; from: Lifecycle; to: Lifecycle; why: string; effects: Effect[] }
  | { ok: false; reason: TransitionRefusal; from: Lifecycle; event: LifecycleEventType }

interface Step {
  to: Lifecycle
  why: string
  effects: (event: LifecycleEvent) => Effect[]
}

const firstOrder = (from: Lifecycle): Step => ({
  to: 'customer',
  why: `first order of a ${from}`,
  effects: () => [
    { kind: 'close_open_lead', status: 'converted' },
    { kind: 'win_opportunity', opportunity: 'new' },
    { kind: 'record_order' },
    { kind: 'hand_to_customer_success' },
  ],
})

// The whole lifecycle. Read a row as: on <event>, an account in <state> moves to <to>.
const transitions: Record<LifecycleEventType, Partial<Record<Lifecycle, Step>>> = {
  lead_entered: {
    prospect: {
      to: 'lead',
      why: 'lead entered',
      effects: (event) => [
        { kind: 'open_lead', source: event.type === 'lead_entered' ? event.source : 'mql' },
      ],
    },
  },
  lead_disqualified: {
    lead: {
      to: 'prospect',
      why: 'lead disqualified',
      effects: () => [{ kind: 'close_open_lead', status: 'disqualified' }],
    },
  },
  opportunity_opened: {
    lead: {
      to: 'opportunity',
      why: 'lead qualified into an opportunity',
      effects: () => [{ kind: 'open_opportunity', opportunity: 'new' }],
    },
  },
  opportunity_lost: {
    opportunity: {
      to: 'prospect',
      why: 'opportunity lost',
      effects: () => [
        { kind: 'close_open_lead', status: 'disqualified' },
        { kind: 'lose_open_opportunities' },
      ],
    },
  },
  order_completed: {
    prospect: firstOrder('prospect'),
    lead: firstOrder('lead'),
    opportunity: firstOrder('opportunity'),
    customer: {
      to: 'customer',
      why: 'upsell order of a customer',
      effects: () => [{ kind: 'win_opportunity', opportunity: 'upsell' }, { kind: 'record_order' }],
    },
    churned: {
      to: 'customer',
      why: 'win-back order of a churned account',
      effects: () => [
        { kind: 'win_opportunity', opportunity: 'new' },
        { kind: 'record_order' },
        { kind: 'hand_to_customer_success' },
      ],
    },
  },
  subscription_renewed: {
    customer: {
      to: 'customer',
      why: 'subscription renewed',
      effects: () => [{ kind: 'win_opportunity', opportunity: 'renewal' }],
    },
    churned: {
      to: 'customer',
      why: 'subscription renewed after churn',
      effects: () => [
        { kind: 'win_opportunity', opportunity: 'renewal' },
        { kind: 'hand_to_customer_success' },
      ],
    },
  },
  subscription_cancelled: {
    customer: {
      to: 'churned',
      why: 'subscription cancelled',
      effects: () => [{ kind: 'lose_open_opportunities' }],
    },
  },
}

/** Where an account in `from` goes on `event`, and what that takes; or why it cannot. */
export function transition(from: Lifecycle, event: LifecycleEvent): TransitionResult {
  const step = transitions[event.type][from]
  if (!step) return { ok: false, reason: 'illegal_transition', from, event: event.type }
  return { ok: true, from, to: step.to, why: step.why, effects: step.effects(event) }
}

/** The lifecycle states an event is legal from, for messages and docs. */
export function legalFrom(event: LifecycleEventType): Lifecycle[] {
  return lifecycleStates.filter((state) => transitions[event][state] !== undefined)
}

/**
 * The plans that pay nothing, in the product's own vocabulary (FREE_PLANS); compared
 * without regard to case or surrounding spaces. No plan at all is not a paid one.
 */
export const defaultFreePlans: readonly string[] = ['free']

export function isPaidPlan(
  plan: string | undefined,
  freePlans: readonly string[] = defaultFreePlans,
): boolean {
  const name = plan?.trim().toLowerCase() ?? ''
  return name !== '' && !freePlans.some((free) => free.trim().toLowerCase() === name)
}

/**
 * The lifecycle of an account seen for the first time: a tenant already on a paid plan
 * (it paid before the CRM existed) is a customer, any other a prospect.
 */
export function initialLifecycle(
  plan: string | undefined,
  freePlans: readonly string[] = defaultFreePlans,
): 'prospect' | 'customer' {
  return isPaidPlan(plan, freePlans) ? 'customer' : 'prospect'
}
