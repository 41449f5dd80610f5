import { beforeAll, describe, expect, it } from 'vitest'
import type { Db } from '../platform/postgres.js'
import { useTestPostgres } from '../test/postgres.js'
import { loadBuiltinPlaybooks } from './builtin-playbooks.js'
import type { Playbook } from './playbook-schema.js'
import {
  activatePlaybook,
  activePlaybooks,
  addPlaybookVersion,
  getPlaybook,
  installBuiltinPlaybooks,
} from './playbooks-store.js'

let db: Db
beforeAll(async () => {
  db = await useTestPostgres()
})

const builtins = loadBuiltinPlaybooks()
const changed = (playbook: Playbook): Playbook => ({ ...playbook, lookbackDays: 14 })

describe('when the built-in playbooks are installed at start', () => {
  it('stores each as active version 1, and a second start changes nothing', async () => {
    expect((await installBuiltinPlaybooks(db, builtins)).sort()).toEqual(builtins.map((p) => p.id))
    expect(await installBuiltinPlaybooks(db, builtins)).toEqual([])
    const active = await activePlaybooks(db)
    expect(active.map((p) => [p.id, p.version, p.createdBy])).toEqual(
      builtins.map((p) => [p.id, 1, 'builtin']),
    )
  })

  it('takes a changed file as a new active version, unless someone has edited the playbook', async () => {
    const [alert, cadence] = builtins
    await addPlaybookVersion(db, { ...cadence!, name: 'Our check-in' }, 'user:key-1')
    const upgraded = await installBuiltinPlaybooks(db, [changed(alert!), changed(cadence!)])
    expect(upgraded).toEqual([alert!.id])
    expect((await getPlaybook(db, alert!.id))!.version).toBe(2)
    expect((await getPlaybook(db, cadence!.id))!).toMatchObject({ version: 1, activeVersion: 1 })
    expect((await getPlaybook(db, cadence!.id, 2))!.createdBy).toBe('user:key-1')
  })
})

describe('when a version is activated', () => {
  it('runs from then on, and an unknown version is refused', async () => {
    const cadence = builtins[1]!
    expect(await activatePlaybook(db, cadence.id, 2)).toBe(true)
    expect(await activatePlaybook(db, cadence.id, 99)).toBe(false)
    const active = (await activePlaybooks(db)).find((p) => p.id === cadence.id)!
    expect(active.version).toBe(2)
    expect(active.definition).toMatchObject({ name: 'Our check-in' })
  })

  it('keeps versions immutable', async () => {
    await expect(
      db.query("UPDATE playbook_versions SET created_by = 'x' WHERE playbook_id = 'onboarding'"),
    ).rejects.toThrow(/append-only/)
  })
})
