import { describe, expect, it } from 'vitest'
import { hasLongDigitRun, parseJson } from './parse-body.js'

describe('hasLongDigitRun', () => {
  it('agrees with /\\d{16}/ on digit-heavy text of every length', () => {
    let x = 7
    const next = () => {
      x = (x * 1103515245 + 12345) % 2 ** 31
      return x >> 8
    }
    const differ: string[] = []
    for (let i = 0; i < 50_000; i++) {
      let text = ''
      const length = next() % 80
      for (let j = 0; j < length; j++) text += next() % 10 < 8 ? String(next() % 10) : 'a'
      if (hasLongDigitRun(text) !== /\d{16}/.test(text)) differ.push(text)
    }
    expect(differ).toEqual([])
  })
})

describe('parseJson', () => {
  it('keeps an integer beyond 2^53 as its text, and the rest as numbers', () => {
    expect(parseJson('{"id":12345678901234567891,"n":3,"s":"x"}')).toEqual({
      id: '12345678901234567891',
      n: 3,
      s: 'x',
    })
  })
})
