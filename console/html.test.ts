import { describe, expect, it } from 'vitest'
import { escapeHtml, html, join, unsafeRaw } from './html.js'
import { jsonLines, lineOfPath, parseErrorPlace } from './json-lines.js'

describe('when data goes into an html template', () => {
  it('escapes markup, quotes and backticks in text and attributes', () => {
    const name = `<script>alert("x")</script>' onmouseover='y' \``
    const out = html`<p title="${name}">${name}</p>`.text
    expect(out).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;y&#39; &#96;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;y&#39; &#96;</p>',
    )
    expect(out).not.toContain('<script>')
  })

  it('keeps nested templates as markup and escapes what is inside them once', () => {
    const inner = html`<b>${'a & b'}</b>`
    expect(html`<div>${inner}${[html`<i>1</i>`, '<2>']}</div>`.text).toBe(
      '<div><b>a &amp; b</b><i>1</i>&lt;2&gt;</div>',
    )
  })

  it('renders nothing for null, undefined and false, and numbers as text', () => {
    expect(html`${null}${undefined}${false}${0}${42}`.text).toBe('042')
  })

  it('treats a string that looks like markup as text, even when joined', () => {
    expect(join(['<a>', html`<b></b>`], '<br>').text).toBe('&lt;a&gt;&lt;br&gt;<b></b>')
    expect(escapeHtml('&amp;')).toBe('&amp;amp;')
    expect(unsafeRaw('<hr>').text).toBe('<hr>')
  })
})

describe('when a rule issue is placed at its field', () => {
  const rule = { id: 'r', conditions: { all: [{ metric: 'x', value: 1 }] } }
  it('finds the line of the deepest path that exists', () => {
    const { lines, lineOf } = jsonLines(rule)
    expect(lines[lineOfPath(lineOf, 'conditions.all.0.metric')]).toBe('        "metric": "x",')
    expect(lines[lineOfPath(lineOf, 'conditions.all.0.nope')]).toBe('      {')
    expect(lineOfPath(lineOf, '')).toBe(0)
    expect(JSON.parse(lines.join('\n'))).toEqual(rule)
  })

  it('names the line and column of a JSON syntax error', () => {
    const text = '{\n  "a": 1\n  "b": 2}'
    let message = ''
    try {
      JSON.parse(text)
    } catch (error) {
      message = (error as Error).message
    }
    expect(parseErrorPlace(text, message)).toEqual({ line: 3, column: 3 })
    expect(parseErrorPlace(text, 'Unexpected token (line 2 column 5)')).toEqual({
      line: 2,
      column: 5,
    })
  })
})
