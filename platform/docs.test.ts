import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { configKeys } from './config.js'
import { errorCodes } from './errors.js'

const root = path.resolve(import.meta.dirname, '..')
const readme = readFileSync(path.join(root, 'README.md'), 'utf8')
const envExample = readFileSync(path.join(root, '.env.example'), 'utf8')

describe('when a new error code or setting is added', () => {
  it.each(Object.entries(errorCodes))(
    'README documents the error code %s with its status',
    (code, { status }) => {
      expect(readme).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${status}\\s*\\|`))
    },
  )

  it.each(configKeys)('.env.example and README document %s', (key) => {
    expect(envExample).toMatch(new RegExp(`^${key}=`, 'm'))
    expect(readme).toContain(`\`${key}\``)
  })
})
