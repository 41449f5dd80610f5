/**
 * HTML made by tagged templates. This file is the one place that escapes: every value
 * put into an `html` template is escaped unless it is itself `Html` (made by `html`,
 * `join` or `unsafeRaw`), so markup cannot be injected through data. Arrays are joined.
 * `undefined`, `null` and `false` render as nothing, so `${cond && html`…`}` works.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text
  }
}

export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[]

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
}

/** Text safe inside element content and inside quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => entities[c]!)
}

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.text
  if (value === null || value === undefined || value === false) return ''
  if (Array.isArray(value)) return value.map(render).join('')
  return escapeHtml(String(value))
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0]!
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!
  return new Html(out)
}

export const join = (parts: readonly HtmlValue[], separator: HtmlValue = ''): Html =>
  new Html(parts.map(render).join(render(separator)))

/** Markup that is already safe: only for constants written in this codebase. */
export const unsafeRaw = (text: string): Html => new Html(text)
