// `npm run screenshots`, after the browser tests: the main pages' screenshots from
// .tmp/screenshots/ into docs/screenshots/, where the README shows them.
import { copyFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const from = path.join(root, '.tmp', 'screenshots')
const to = path.join(root, 'docs', 'screenshots')
const main = [
  'signin',
  'inbox',
  'lead',
  'alerts',
  'account',
  'rule-backtest',
  'rule-invalid',
  'admin-keys',
  'webhooks',
  'inbox-390',
  'alerts-390',
]

mkdirSync(to, { recursive: true })
for (const name of main) copyFileSync(path.join(from, `${name}.png`), path.join(to, `${name}.png`))
process.stdout.write(`copied ${main.length} screenshots to docs/screenshots/\n`)
