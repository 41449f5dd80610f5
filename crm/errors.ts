/**
 * Domain errors for what the CRM store's constraints refuse. The database is what keeps
 * the invariants (one open lead per account, ...); this module turns its refusals into
 * errors with stable codes that the API answers with. Every code is documented in
 * crm/README.md, and a test keeps the two in step.
 */
export const crmErrors = {
  CRM_DUPLICATE_OPEN_LEAD: [409, 'the account already has an open lead'],
  CRM_DUPLICATE_OPEN_ALERT: [409, 'the account already has an unresolved alert for this rule'],
  CRM_DUPLICATE_OPEN_OPPORTUNITY: [409, 'the account already has an open new-business opportunity'],
  CRM_DUPLICATE_ORDER: [409, 'the account already has an order with this order id'],
  CRM_DUPLICATE_ACCOUNT: [409, 'an account for this tenant already exists'],
  CRM_DUPLICATE_RULE: [409, 'a rule with this id already exists'],
  CRM_DUPLICATE_RULE_VERSION: [409, 'this version of the rule already exists'],
  CRM_DUPLICATE_API_KEY: [409, 'an API key with this hash already exists'],
  CRM_DUPLICATE_USER_EMAIL: [409, 'a user with this email already exists'],
  CRM_DUPLICATE: [409, 'a record with these values already exists'],
  CRM_UNKNOWN_ACCOUNT: [422, 'no account for this tenant'],
  CRM_UNKNOWN_USER: [422, 'no such user'],
  CRM_UNKNOWN_RULE: [422, 'no such rule or rule version'],
  CRM_UNKNOWN_REFERENCE: [422, 'a referenced record does not exist'],
  CRM_STILL_REFERENCED: [409, 'the record is still referenced by others'],
  CRM_APPEND_ONLY: [409, 'history records cannot be changed or deleted'],
  CRM_INVALID_VALUE: [422, 'a value is out of its allowed range or set'],
  CRM_MISSING_VALUE: [422, 'a required value is missing'],
} as const satisfies Record<string, readonly [number, string]>

export type CrmErrorCode = keyof typeof crmErrors

export interface CrmErrorDetails {
  constraint?: string | undefined
  table?: string | undefined
  column?: string | undefined
  /** The database's own words, e.g. "Key (tenant_id)=(t1) already exists." */
  detail?: string | undefined
}

export class CrmError extends Error {
  override name = 'CrmError'
  readonly httpStatus: number

  constructor(
    readonly code: CrmErrorCode,
    readonly details: CrmErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(crmErrors[code][1], options)
    this.httpStatus = crmErrors[code][0]
  }
}

// Unique constraints and indexes by name, for the ones with a meaning of their own.
const uniqueCodes: Record<string, CrmErrorCode> = {
  leads_one_open_per_account: 'CRM_DUPLICATE_OPEN_LEAD',
  alerts_one_unresolved_per_account_rule: 'CRM_DUPLICATE_OPEN_ALERT',
  opportunities_one_open_new_per_account: 'CRM_DUPLICATE_OPEN_OPPORTUNITY',
  orders_order_id_per_account: 'CRM_DUPLICATE_ORDER',
  accounts_pkey: 'CRM_DUPLICATE_ACCOUNT',
  rules_pkey: 'CRM_DUPLICATE_RULE',
  rule_versions_pkey: 'CRM_DUPLICATE_RULE_VERSION',
  api_keys_key_hash_key: 'CRM_DUPLICATE_API_KEY',
  users_email_key: 'CRM_DUPLICATE_USER_EMAIL',
}

// Foreign keys keep Postgres's default names, <table>_<column>_fkey, or ours for the
// composite ones; the column says what is missing.
function foreignKeyCode(constraint: string): CrmErrorCode {
  if (/_tenant_id_fkey$/.test(constraint)) return 'CRM_UNKNOWN_ACCOUNT'
  if (/_(owner_id|csm_id|assignee_id|user_id)_fkey$/.test(constraint)) return 'CRM_UNKNOWN_USER'
  if (/_rule_id_fkey$|_rule_version_fkey$|^rules_active_version_fkey$/.test(constraint)) {
    return 'CRM_UNKNOWN_RULE'
  }
  return 'CRM_UNKNOWN_REFERENCE'
}

interface PgErrorFields {
  code?: unknown
  constraint?: unknown
  table?: unknown
  column?: unknown
  detail?: unknown
  message?: unknown
}

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined)

/**
 * The domain error for a Postgres refusal (pg's DatabaseError and PGlite's error carry
 * the same fields), or undefined for anything else: a broken connection, a syntax
 * error, a deadlock. Those are infrastructure or bugs, and stay as they are.
 */
export function toCrmError(error: unknown): CrmError | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const fields = error as PgErrorFields
  const sqlState = text(fields.code)
  if (sqlState === undefined || !/^[0-9A-Z]{5}$/.test(sqlState)) return undefined
  const constraint = text(fields.constraint)
  const details: CrmErrorDetails = {
    constraint,
    table: text(fields.table),
    column: text(fields.column),
    detail: text(fields.detail),
  }
  const make = (code: CrmErrorCode) => new CrmError(code, details, { cause: error })
  switch (sqlState) {
    case '23505':
      return make((constraint && uniqueCodes[constraint]) || 'CRM_DUPLICATE')
    case '23503':
      // The same constraint refuses both a row pointing nowhere and removing a row
      // that others point to; only the message tells which.
      if (String(fields.message ?? '').startsWith('update or delete on table')) {
        return make('CRM_STILL_REFERENCED')
      }
      return make(foreignKeyCode(constraint ?? ''))
    case '23001':
      return make(constraint?.endsWith('_append_only') ? 'CRM_APPEND_ONLY' : 'CRM_STILL_REFERENCED')
    case '23502':
      return make('CRM_MISSING_VALUE')
    case '23514':
      return make('CRM_INVALID_VALUE')
  }
  // Class 22, data exceptions: a value that is not a number, out of range, too long.
  if (sqlState.startsWith('22')) return make('CRM_INVALID_VALUE')
  return undefined
}

/** Throws the domain error for a constraint refusal, or the error itself otherwise. */
export function rethrowAsCrmError(error: unknown): never {
  throw toCrmError(error) ?? error
}

/** Runs a write and turns a constraint refusal into a CrmError. */
export async function withCrmErrors<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (error) {
    rethrowAsCrmError(error)
  }
}
