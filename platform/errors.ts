/**
 * Every error the HTTP API answers with, made here and nowhere else, each with a
 * stable code. README.md documents each code; a test keeps the two in step.
 */
export const errorCodes = {
  BAD_REQUEST: { status: 400, summary: 'the request is malformed' },
  INGEST_INVALID_JSON: { status: 400, summary: 'the body is not JSON' },
  INGEST_BAD_ENCODING: { status: 400, summary: 'the body is not valid gzip or deflate' },
  INGEST_NO_BATCH: { status: 400, summary: 'a batch request has no `batch` array' },
  INGEST_INVALID_EVENT: { status: 400, summary: 'the one event of a single-event call is invalid' },
  AUTH_MISSING_WRITE_KEY: { status: 401, summary: 'no write key in Basic auth or the body' },
  AUTH_INVALID_WRITE_KEY: { status: 401, summary: 'the write key is unknown or revoked' },
  NOT_FOUND: { status: 404, summary: 'no such route or resource' },
  INGEST_PAYLOAD_TOO_LARGE: {
    status: 413,
    summary: 'the body or one event is over its size limit',
  },
  INGEST_TOO_MANY_EVENTS: { status: 413, summary: 'the batch holds more events than allowed' },
  INGEST_UNSUPPORTED_ENCODING: {
    status: 415,
    summary: 'a content-encoding other than gzip or deflate',
  },
  INGEST_OVERLOADED: { status: 503, summary: 'the commit queue is full; retry after Retry-After' },
  INGEST_STORE_UNAVAILABLE: {
    status: 503,
    summary: 'ClickHouse failed the insert; nothing was acknowledged',
  },
  INTERNAL: { status: 500, summary: 'a bug: the server logged it' },
} as const satisfies Record<string, { status: number; summary: string }>

export type ErrorCode = keyof typeof errorCodes

export class AppError extends Error {
  override name = 'AppError'
  readonly status: number
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
    this.status = errorCodes[code].status
  }
}

export function errorBody(code: ErrorCode, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } }
}
