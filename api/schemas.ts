import { z } from 'zod'
import { idText } from './cursor.js'

/** Every error answer of the app: `{ error: { code, message, details? } }`. */
export const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
})

/**
 * The error answers every /api route can give, declared so the OpenAPI document shows
 * them and so they are serialised through the same schema as everything else.
 */
export const errorResponses = {
  400: errorSchema.describe('malformed request (BAD_REQUEST, API_INVALID_CURSOR)'),
  401: errorSchema.describe('no key, or an unknown or revoked one'),
  403: errorSchema.describe("the key's role may not do this"),
  404: errorSchema.describe('no such resource'),
  409: errorSchema.describe('the current state does not allow the change'),
  422: errorSchema.describe('a value or reference the CRM store refuses'),
} as const

export const idParams = z.object({ id: idText })

export const timestamp = z.iso.datetime({ offset: true })

/** A page of a list: the items and the cursor of the next page, null on the last. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() })

/** Dates leave the API as ISO 8601 text in UTC. */
export const iso = (date: Date): string => date.toISOString()
export const isoOrNull = (date: Date | null): string | null => (date ? date.toISOString() : null)

/** The OpenAPI security requirement of every /api route. */
export const bearer = [{ bearerAuth: [] }]
