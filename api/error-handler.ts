import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { Counter, type Registry } from 'prom-client'
import { CrmError, type CrmErrorCode } from '../crm/errors.js'
import { AppError, type ErrorCode, errorBody } from '../platform/errors.js'
import type { Metrics } from '../platform/metrics.js'

const deniedName = 'tenantpulse_api_denied_total'

/** Calls refused for want of a key (401) or a role (403), by code. */
export function deniedCounter(registry: Registry): Counter<'code'> {
  // A second app on the same registry (tests) shares the counter instead of failing.
  const existing = registry.getSingleMetric(deniedName)
  if (existing) return existing as Counter<'code'>
  return new Counter({
    name: deniedName,
    help: "People's API calls refused for a missing or bad key (401) or a role (403)",
    labelNames: ['code'],
    registers: [registry],
  })
}

// The CRM store's refusals, in the API's words. Its details (constraint names, the
// database's own message) stay in the log: an error body says what, never how.
const crmCodes: Partial<Record<CrmErrorCode, ErrorCode>> = {
  CRM_DUPLICATE_OPEN_LEAD: 'LEAD_ALREADY_OPEN',
  CRM_DUPLICATE_OPEN_OPPORTUNITY: 'ACCOUNT_ILLEGAL_TRANSITION',
  CRM_DUPLICATE_USER_EMAIL: 'USER_EMAIL_TAKEN',
  CRM_UNKNOWN_USER: 'USER_UNKNOWN',
  CRM_UNKNOWN_ACCOUNT: 'NOT_FOUND',
}

export function fromCrmError(error: CrmError): AppError {
  const code =
    crmCodes[error.code] ?? (error.httpStatus === 409 ? 'API_CONFLICT' : 'API_UNPROCESSABLE')
  return new AppError(code, error.message)
}

/**
 * The people's API answers every error as `{ error: { code, message, details? } }`,
 * like the rest of the app, and in its own scope so it does not depend on where it is
 * mounted. Denials are counted apart: they are what an operator watches for abuse.
 */
export function createErrorHandler(deps: { metrics: Metrics; denied: Counter<'code'> }) {
  return (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(error)
    if (!appError) {
      request.log.error({ err: error }, 'unhandled error')
      deps.metrics.requestsRefused.inc({ code: 'INTERNAL' })
      return reply.code(500).send(errorBody('INTERNAL', 'internal error'))
    }
    if (error instanceof CrmError)
      request.log.info({ err: error }, 'the CRM store refused a change')
    deps.metrics.requestsRefused.inc({ code: appError.code })
    if (appError.status === 401 || appError.status === 403) deps.denied.inc({ code: appError.code })
    return reply
      .code(appError.status)
      .headers(appError.headers)
      .send(errorBody(appError.code, appError.message, appError.details))
  }
}

function toAppError(error: FastifyError | Error): AppError | undefined {
  if (error instanceof AppError) return error
  if (error instanceof CrmError) return fromCrmError(error)
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((issue) => ({
      in: error.validationContext ?? 'request',
      path: issue.instancePath,
      message: issue.message ?? 'invalid',
    }))
    return new AppError('BAD_REQUEST', error.message, { issues })
  }
  const code = (error as FastifyError).code
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new AppError('INGEST_PAYLOAD_TOO_LARGE', 'the body is over its size limit')
  }
  const status = (error as FastifyError).statusCode
  // Fastify's own client errors (bad JSON, a wrong content type) carry a safe message.
  if (code?.startsWith('FST_') && status !== undefined && status >= 400 && status < 500) {
    return new AppError('BAD_REQUEST', error.message)
  }
  return undefined
}
