import { parsePlaybook } from '../crm/playbook-schema.js'
import {
  activatePlaybook,
  addPlaybookVersion,
  getPlaybook,
  listPlaybooks,
  retirePlaybook,
} from '../crm/playbooks-store.js'
import { AppError } from '../platform/errors.js'
import type { Db } from '../platform/postgres.js'
import type { ApiKeyIdentity } from './api-keys.js'
import { actorOf } from './auth.js'
import { iso } from './schemas.js'

function validate(document: unknown) {
  const parsed = parsePlaybook(document)
  if (!parsed.ok)
    throw new AppError('PLAYBOOK_INVALID', 'the playbook does not validate', {
      issues: parsed.issues,
    })
  return parsed.playbook
}

export const playbooksController = {
  async list(db: Db) {
    const items = await listPlaybooks(db)
    return { items: items.map((p) => ({ ...p, createdAt: iso(p.createdAt) })) }
  },

  /** A new version (a new playbook starts as a draft); it creates tasks once activated. */
  async create(db: Db, who: ApiKeyIdentity, document: Record<string, unknown>) {
    const playbook = validate(document)
    const version = await addPlaybookVersion(db, playbook, actorOf(who))
    return { id: playbook.id, version }
  },

  async activate(db: Db, id: string, version: number) {
    const stored = await getPlaybook(db, id, version)
    if (!stored) throw new AppError('NOT_FOUND', `no playbook ${id} version ${version}`)
    // A version stored under an older schema must still validate to run.
    validate(stored.definition)
    await activatePlaybook(db, id, version)
    return { id, version }
  },

  async retire(db: Db, id: string) {
    const stored = await getPlaybook(db, id)
    if (!stored) throw new AppError('NOT_FOUND', `no playbook ${id}`)
    await retirePlaybook(db, id)
    return { id, version: stored.version }
  },
}
