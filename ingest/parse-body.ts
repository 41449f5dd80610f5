import { promisify } from 'node:util'
import zlib from 'node:zlib'
import { isSafeNumber, parse as parseLossless } from 'lossless-json'

const gunzip = promisify(zlib.gunzip)
const inflate = promisify(zlib.inflate)

export type BodyOutcome =
  | { ok: true; value: unknown }
  | { ok: false; status: 400 | 413 | 415; code: string; message: string }

/**
 * Decodes a request body: gzip or deflate (the decoded size is capped as well, so a
 * small bomb cannot expand into memory), then JSON.
 */
export async function parseBody(
  raw: Buffer,
  encoding: string | undefined,
  maxBytes: number,
): Promise<BodyOutcome> {
  let body = raw
  const coding = (encoding ?? 'identity').trim().toLowerCase()
  if (coding === 'gzip' || coding === 'deflate') {
    try {
      body = await (coding === 'gzip' ? gunzip : inflate)(raw, { maxOutputLength: maxBytes })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        return tooLarge(`the decoded body is larger than ${maxBytes} bytes`)
      }
      return {
        ok: false,
        status: 400,
        code: 'INGEST_BAD_ENCODING',
        message: `the body is not valid ${coding}`,
      }
    }
  } else if (coding !== 'identity') {
    return {
      ok: false,
      status: 415,
      code: 'INGEST_UNSUPPORTED_ENCODING',
      message: `content-encoding ${coding} is not supported; use gzip, deflate or none`,
    }
  }
  if (body.length > maxBytes) return tooLarge(`the body is larger than ${maxBytes} bytes`)
  try {
    return { ok: true, value: parseJson(body.toString('utf8')) }
  } catch (error) {
    return {
      ok: false,
      status: 400,
      code: 'INGEST_INVALID_JSON',
      message: `the body is not valid JSON: ${(error as Error).message}`,
    }
  }
}

const tooLarge = (message: string): BodyOutcome => ({
  ok: false,
  status: 413,
  code: 'INGEST_PAYLOAD_TOO_LARGE',
  message,
})

/**
 * JSON.parse, except that integers beyond 2^53 are kept as their exact text instead of
 * being rounded. The lossless parser is slower, so it only runs when the text holds a
 * run of digits long enough to need it.
 */
export function parseJson(text: string): unknown {
  if (!hasLongDigitRun(text)) return JSON.parse(text)
  return parseLossless(text, null, (digits) => (isSafeNumber(digits) ? Number(digits) : digits))
}

// Sixteen digits in a row is the shortest text that can hold an integer past 2^53.
const RUN = 16
const isDigit = (c: number) => c >= 48 && c <= 57

/**
 * Whether the text holds RUN digits in a row. Any such run covers one position of
 * every RUN, so only those are looked at, and only a digit there is measured out to
 * both sides: a sixteenth of the reads /\d{16}/ makes, which scanned every
 * request's whole body (3% of the pipeline's time in bench:ingest).
 */
export function hasLongDigitRun(text: string): boolean {
  for (let at = RUN - 1; at < text.length; at += RUN) {
    if (!isDigit(text.charCodeAt(at))) continue
    let from = at
    while (from > 0 && isDigit(text.charCodeAt(from - 1))) from--
    let to = at + 1
    while (to < text.length && to - from < RUN && isDigit(text.charCodeAt(to))) to++
    if (to - from >= RUN) return true
    // The run ends before `to`; the next position worth a look is past it.
    if (to + RUN - 1 > at + RUN) at = to - 1
  }
  return false
}
