import type { Lifecycle } from '../crm/lifecycle.js'
import type { KeyRole } from './api-keys.js'

/**
 * Which accounts a role may open: sales works the pre-sale states, customer success
 * the paying and lost customers. Another role's account is a 403 that names the
 * reason, not a 404: the callers are colleagues, the existence of a tenant is no
 * secret among them, and a clear refusal is easier to act on than a false "not found".
 * Tasks follow the account they are on (api/tasks-store.ts).
 */
export const visibleTo: Record<KeyRole, readonly Lifecycle[]> = {
  admin: ['prospect', 'lead', 'opportunity', 'customer', 'churned'],
  sales: ['prospect', 'lead', 'opportunity'],
  csm: ['customer', 'churned'],
  data: [],
  write: [],
}
