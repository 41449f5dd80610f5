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
  AUTH_MISSING_API_KEY: { status: 401, summary: 'no `Authorization: Bearer <key>` header' },
  AUTH_INVALID_API_KEY: { status: 401, summary: 'the API key is unknown or revoked' },
  AUTH_FORBIDDEN: { status: 403, summary: "the key's role may not do this; the message says why" },
  API_INVALID_CURSOR: { status: 400, summary: 'the cursor is not one this API issued' },
  KEY_LAST_ADMIN: {
    status: 409,
    summary: 'revoking this key would leave no admin key; make another admin key first',
  },
  LEAD_ALREADY_OPEN: { status: 409, summary: 'the account already has an open or working lead' },
  LEAD_ILLEGAL_CHANGE: { status: 409, summary: "the lead's status does not allow this change" },
  ACCOUNT_ILLEGAL_TRANSITION: {
    status: 409,
    summary: "the account's lifecycle state does not allow this move",
  },
  ALERT_ILLEGAL_TRANSITION: {
    status: 409,
    summary: "the alert's status does not allow this action",
  },
  USER_EMAIL_TAKEN: { status: 409, summary: 'a user with this email exists' },
  API_CONFLICT: { status: 409, summary: "the change conflicts with the CRM store's state" },
  USER_UNKNOWN: { status: 422, summary: 'the owner or assignee is no active user' },
  API_UNPROCESSABLE: { status: 422, summary: 'the CRM store refuses a value or reference' },
  RULE_INVALID: { status: 422, summary: 'the rule does not validate; details list each field' },
  RULE_KIND_CHANGE: { status: 409, summary: "a new version may not change a rule's kind" },
  JOBS_UNAVAILABLE: { status: 503, summary: 'no job queue is reachable to take the request' },
  TASK_ILLEGAL_CHANGE: {
    status: 409,
    summary: 'the task is done or cancelled: it does not change',
  },
  TASK_INVALID_REFERENCE: {
    status: 422,
    summary: "the lead, alert or opportunity is not on the task's account",
  },
  ALERT_TASKS_OPEN: {
    status: 409,
    summary: "the alert's playbook wants its tasks done or cancelled before it is resolved",
  },
  MODEL_TOO_FEW_OUTCOMES: {
    status: 422,
    summary:
      'too few cancellations in the training period; details say how many and how many are needed',
  },
  MODEL_HISTORY_TOO_SHORT: {
    status: 422,
    summary: 'the history is too short for a training and a validation period',
  },
  PLAYBOOK_INVALID: {
    status: 422,
    summary: 'the playbook does not validate; details list each field',
  },
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
