// Measures generation speed: `npx tsx sim/bench-generate.ts [tenants] [days]`.
// Generates a slice of the full-scale world (avg 240 users per tenant) and prints
// events per second. Events are counted and dropped, as a sink that keeps up would.
import path from 'node:path'
import { loadCatalogue } from './catalogue.js'
import { generateDay } from './generate.js'
import { createWorld, scales } from './world.js'

const tenants = Number(process.argv[2] ?? 2000)
const days = Number(process.argv[3] ?? 7)
const modules = loadCatalogue(path.join(import.meta.dirname, '..', 'modules.json'))
const start = new Date('2025-03-03T00:00:00Z')
const created = performance.now()
const world = createWorld({ ...scales.full, seed: 'bench', tenants, days, start, modules })
const began = performance.now()
let events = 0
for (let day = 0; day < days; day++) {
  generateDay(world, day, () => {
    events++
  })
}
const seconds = (performance.now() - began) / 1000
const users = world.tenants.reduce((sum, t) => sum + t.users, 0)
console.log(
  JSON.stringify({
    tenants,
    users,
    days,
    events,
    createWorldMs: Math.round(began - created),
    seconds: Number(seconds.toFixed(2)),
    eventsPerSecond: Math.round(events / seconds),
  }),
)
