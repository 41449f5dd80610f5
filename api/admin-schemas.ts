import { z } from 'zod'
import { apiRoles, keyRoles } from './api-keys.js'
import { idText, pageQuery } from './cursor.js'
import { pageOf, timestamp } from './schemas.js'

export const userSchema = z.object({
  id: idText,
  name: z.string(),
  email: z.string(),
  role: z.enum(apiRoles),
  active: z.boolean(),
  createdAt: timestamp,
})

export const listUsersQuery = z.object({
  role: z.enum(apiRoles).optional(),
  active: z.stringbool().optional(),
  ...pageQuery,
})
export type ListUsersQuery = z.infer<typeof listUsersQuery>

export const userPage = pageOf(userSchema).describe('users, oldest first')

export const createUserBody = z.object({
  name: z.string().trim().min(1).max(200),
  email: z.email().max(320),
  role: z.enum(apiRoles).describe('csm users take new customers in turn'),
})
export type CreateUserBody = z.infer<typeof createUserBody>

export const createKeyBody = z.object({
  role: z
    .enum(keyRoles)
    .describe('admin, sales, csm, data; or write: a key for the tracking API only'),
  name: z.string().trim().min(1).max(200).describe('whose key, for what'),
  userId: idText
    .optional()
    .describe('the active CRM user the key speaks for: their tasks (mine=true), their leads'),
})

export const createdKey = z.object({
  id: idText,
  name: z.string(),
  role: z.enum(keyRoles),
  key: z.string().describe('the key itself, shown only in this answer; only its hash is kept'),
  userId: idText.nullable(),
  createdAt: timestamp,
})

export const apiKeySchema = z.object({
  id: idText,
  name: z.string(),
  role: z.enum(keyRoles),
  userId: idText.nullable(),
  createdAt: timestamp,
  revokedAt: timestamp.nullable().describe('set once the key is revoked; it then opens nothing'),
})

export const listKeysQuery = z.object({
  role: z.enum(keyRoles).optional(),
  revoked: z.stringbool().optional().describe('true: only revoked keys; false: only live ones'),
  ...pageQuery,
})
export type ListKeysQuery = z.infer<typeof listKeysQuery>

export const keyPage = pageOf(apiKeySchema).describe('API keys without their secrets, oldest first')
