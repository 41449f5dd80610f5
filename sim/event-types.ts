// Events as a Segment SDK sends them in a batch to the HTTP Tracking API. Every event
// but `group` names its tenant in context.groupId; `group` calls carry groupId and the
// tenant's traits. Properties never hold anything from the hidden traits.

export interface EventContext {
  groupId: string
  page?: { path: string }
}

interface EventBase {
  messageId: string
  /** ISO 8601 in UTC, within the simulated day. */
  timestamp: string
  userId: string
}

export interface TrackEvent extends EventBase {
  type: 'track'
  event: string
  properties: Record<string, unknown>
  context: EventContext
}

export interface PageEvent extends EventBase {
  type: 'page'
  name: string
  properties: { path: string }
  context: EventContext
}

export interface IdentifyEvent extends EventBase {
  type: 'identify'
  traits: { name: string; email: string; createdAt: string }
  context: EventContext
}

export interface GroupTraits {
  name: string
  plan: string
  seats: number
  mrr: number
}

export interface GroupEvent extends EventBase {
  type: 'group'
  groupId: string
  traits: GroupTraits
}

export type SimEvent = TrackEvent | PageEvent | IdentifyEvent | GroupEvent

export type Emit = (event: SimEvent) => void
