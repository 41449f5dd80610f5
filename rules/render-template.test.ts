import { describe, expect, it } from 'vitest'
import { formatValue, renderTemplate } from './render-template.js'

describe('a title template', () => {
  it('fills placeholders with evidence, numbers at most two decimals', () => {
    expect(renderTemplate('{a} of {b} ({c}%)', { a: 3, b: 20, c: -66.666666 })).toBe(
      '3 of 20 (-66.67%)',
    )
  })

  it('inserts values as text once, never reading them as placeholders again', () => {
    expect(renderTemplate('{tenantId}: {n}', { tenantId: '{n} <b>', n: 1 })).toBe('{n} <b>: 1')
  })

  it('leaves a name without a value as written, and ignores inherited names', () => {
    expect(renderTemplate('{x} {constructor}', {})).toBe('{x} {constructor}')
  })

  it('shows integers whole', () => {
    expect(formatValue(14)).toBe('14')
    expect(formatValue(0.15)).toBe('0.15')
  })
})
