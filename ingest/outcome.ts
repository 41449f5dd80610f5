// Expected outcomes of an ingest step are values, not exceptions. The reasons are the
// values stored in rejected_events.reason, so they are a closed list.
export const rejectReasons = [
  'too_large',
  'too_deep',
  'too_many_keys',
  'string_too_long',
  'forbidden_key',
  'invalid_event',
  'no_tenant',
] as const

export type RejectReason = (typeof rejectReasons)[number]

export type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; reason: RejectReason; detail: string }

export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value })
export const reject = <T = never>(reason: RejectReason, detail: string): Outcome<T> => ({
  ok: false,
  reason,
  detail,
})
