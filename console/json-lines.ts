/**
 * Pretty-prints a JSON value and records the line each path starts on, so that a
 * validation issue (`conditions.all.0.value`) can be shown at the line of its field.
 */
export function jsonLines(value: unknown): { lines: string[]; lineOf: Map<string, number> } {
  const lines: string[] = []
  const lineOf = new Map<string, number>()
  const write = (v: unknown, path: string[], indent: string, prefix: string, suffix: string) => {
    lineOf.set(path.join('.'), lines.length)
    if (Array.isArray(v) && v.length > 0) {
      lines.push(`${indent}${prefix}[`)
      for (const [i, item] of v.entries())
        write(item, [...path, String(i)], `${indent}  `, '', i < v.length - 1 ? ',' : '')
      lines.push(`${indent}]${suffix}`)
    } else if (
      v !== null &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      Object.keys(v).length > 0
    ) {
      const entries = Object.entries(v)
      lines.push(`${indent}${prefix}{`)
      for (const [i, [k, item]] of entries.entries()) {
        const comma = i < entries.length - 1 ? ',' : ''
        write(item, [...path, k], `${indent}  `, `${JSON.stringify(k)}: `, comma)
      }
      lines.push(`${indent}}${suffix}`)
    } else {
      lines.push(`${indent}${prefix}${JSON.stringify(v)}${suffix}`)
    }
  }
  write(value, [], '', '', '')
  return { lines, lineOf }
}

/** The line of the deepest path that exists, for an issue path such as `a.b.0.c`. */
export function lineOfPath(lineOf: ReadonlyMap<string, number>, path: string): number {
  const parts = path === '' ? [] : path.split('.')
  for (let n = parts.length; n >= 0; n--) {
    const line = lineOf.get(parts.slice(0, n).join('.'))
    if (line !== undefined) return line
  }
  return 0
}

/** Where a JSON.parse error points, as a 1-based line and column, when it says. */
export function parseErrorPlace(
  text: string,
  message: string,
): { line: number; column: number } | undefined {
  const named = /line (\d+) column (\d+)/.exec(message)
  if (named) return { line: Number(named[1]), column: Number(named[2]) }
  const position = /position (\d+)/.exec(message)?.[1]
  if (position === undefined) return undefined
  const before = text.slice(0, Number(position)).split('\n')
  return { line: before.length, column: before.at(-1)!.length + 1 }
}
