import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { formatPlaybookIssues, type Playbook, parsePlaybook } from './playbook-schema.js'

export const builtinPlaybooksDir = path.join(import.meta.dirname, 'playbooks')

/**
 * The playbooks that ship with the product. A file that does not validate is a bug in
 * the release, so it throws, naming file and field.
 */
export function loadBuiltinPlaybooks(dir = builtinPlaybooksDir): Playbook[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
  return files.map((file) => {
    const parsed = parsePlaybook(JSON.parse(readFileSync(path.join(dir, file), 'utf8')))
    if (!parsed.ok)
      throw new Error(`crm/playbooks/${file}:\n${formatPlaybookIssues(parsed.issues)}`)
    if (`${parsed.playbook.id}.json` !== file)
      throw new Error(`crm/playbooks/${file}: the id must match the file name`)
    return parsed.playbook
  })
}
