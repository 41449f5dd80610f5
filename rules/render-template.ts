const placeholder = /\{([a-zA-Z0-9_]+)\}/g

/** A number as a title shows it: integers as they are, else at most two decimals. */
export function formatValue(value: number): string {
  if (Number.isInteger(value)) return String(value)
  return String(Math.round(value * 100) / 100)
}

/**
 * Fills `{name}` placeholders in one pass: a value is inserted as plain text and never
 * read as a template again, so a tenant id such as "{x}" stays "{x}". A name with no
 * value stays as written (validation has already refused unknown names).
 */
export function renderTemplate(
  template: string,
  values: Readonly<Record<string, string | number>>,
): string {
  return template.replace(placeholder, (whole, name: string) => {
    if (!Object.hasOwn(values, name)) return whole
    const value = values[name]!
    return typeof value === 'number' ? formatValue(value) : value
  })
}
