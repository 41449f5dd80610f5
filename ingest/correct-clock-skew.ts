import { parseTime } from './parse-time.js'

/**
 * The event's time on our clock. Segment's rule: a client whose clock is off by d sent
 * both `timestamp` and `sentAt` off by d, so `receivedAt - (sentAt - timestamp)` puts
 * the event back on our clock. A gap within the tolerance is transit time, not skew,
 * and is left alone, so that a retried event keeps the timestamp (and day) it had.
 * Nothing happens after we received it: later times are clamped to the receive time.
 */
export function correctClockSkew(
  timestamp: string | undefined,
  sentAt: string | undefined,
  receivedAt: number,
  toleranceMs: number,
): number {
  return correctClockSkewMs(
    timestamp === undefined ? undefined : parseTime(timestamp),
    sentAt === undefined ? undefined : parseTime(sentAt),
    receivedAt,
    toleranceMs,
  )
}

/** The same on times already parsed: a batch's sentAt is parsed once for all its events. */
export function correctClockSkewMs(
  timestamp: number | undefined,
  sentAt: number | undefined,
  receivedAt: number,
  toleranceMs: number,
): number {
  if (timestamp === undefined) return receivedAt
  let time = timestamp
  if (sentAt !== undefined) {
    const skew = receivedAt - sentAt
    if (Math.abs(skew) > toleranceMs) time += skew
  }
  return Math.min(time, receivedAt)
}
