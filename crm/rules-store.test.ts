import { beforeAll, describe, expect, it } from 'vitest'
import type { Db } from '../platform/postgres.js'
import { loadBuiltinRules } from '../rules/builtin.js'
import { testModules } from '../rules/test-ingest.js'
import { useTestPostgres } from '../test/postgres.js'
import { activeRules, addRuleVersion, getRule, installBuiltinRules } from './rules-store.js'

let db: Db
beforeAll(async () => {
  db = await useTestPostgres()
})

describe('when a built-in rule file changes between two starts', () => {
  it('becomes a new active version, unless the data team has edited the rule', async () => {
    const builtins = loadBuiltinRules(testModules())
    expect((await installBuiltinRules(db, builtins)).sort()).toEqual(
      builtins.map((r) => r.id).sort(),
    )
    expect(await installBuiltinRules(db, builtins)).toEqual([])
    const [first, second] = builtins
    await addRuleVersion(db, { ...second!, name: 'Our own' }, 'user:key-1')
    const changed = (r: typeof first) => ({ ...r!, cooldownDays: r!.cooldownDays + 1 })
    expect(await installBuiltinRules(db, [changed(first), changed(second)])).toEqual([first!.id])
    const active = await activeRules(db)
    expect(active.find((r) => r.id === first!.id)!.version).toBe(2)
    expect(active.find((r) => r.id === second!.id)!.version).toBe(1)
    expect((await getRule(db, second!.id, 2))!.definition).toMatchObject({ name: 'Our own' })
  })
})
