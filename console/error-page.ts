import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { fromCrmError } from '../api/error-handler.js'
import type { RouteRoles } from '../api/route-roles.js'
import { CrmError } from '../crm/errors.js'
import { AppError } from '../platform/errors.js'
import { html } from './html.js'
import { page } from './layout.js'

const headings: Record<number, string> = {
  400: 'That did not work',
  401: 'Please sign in',
  403: 'Not for this key',
  404: 'Not found',
  409: 'That cannot be done now',
  422: 'That cannot be done',
  503: 'Not available right now',
}

/** The words for an error; never a stack, SQL or raw JSON. */
function describe(error: FastifyError | Error): { status: number; message: string } {
  if (error instanceof AppError) return { status: error.status, message: error.message }
  if (error instanceof CrmError) {
    const mapped = fromCrmError(error)
    return { status: mapped.status, message: mapped.message }
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const fields = error.validation.map((issue) => {
      const field = issue.instancePath.replace(/^\//, '').replaceAll('/', ' ') || 'the form'
      return `${field}: ${issue.message ?? 'not valid'}`
    })
    return { status: 400, message: `Some fields need another look: ${fields.join('; ')}.` }
  }
  const status = (error as FastifyError).statusCode
  if (status !== undefined && status >= 400 && status < 500) {
    return { status, message: 'The request could not be read; reload the page and try again.' }
  }
  return { status: 500, message: 'Something went wrong on our side. It was logged; try again.' }
}

/** Console errors as pages (or, for htmx, as a message in the page's notice area). */
export function createConsoleErrorHandler(roles: RouteRoles) {
  return (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    const { status, message } = describe(error)
    if (status >= 500) request.log.error({ err: error }, 'console error')
    reply.code(status).type('text/html; charset=utf-8')
    if (request.headers['hx-request'] !== undefined) {
      return reply
        .headers({ 'hx-retarget': '#notice', 'hx-reswap': 'innerHTML' })
        .send(html`<div class="error" role="alert">${message}</div>`.text)
    }
    const heading = headings[status] ?? 'Something went wrong'
    return reply.send(
      page({
        title: heading,
        session: request.consoleSession,
        roles,
        body: html`<h1>${heading}</h1>
          <div class="error" role="alert"><p>${message}</p></div>
          <p>${
            request.consoleSession
              ? html`<a href="/">Back to the console</a>`
              : html`<a href="/signin">Sign in</a>`
          }</p>`,
      }).text,
    )
  }
}
