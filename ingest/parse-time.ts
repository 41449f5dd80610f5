const digit = (s: string, i: number) => s.charCodeAt(i) - 48
const two = (s: string, i: number) => digit(s, i) * 10 + digit(s, i + 1)
const isDigits = (s: string, from: number, to: number) => {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return true
}

/**
 * Date.parse, with a short way for the form nearly every SDK sends, as toISOString
 * writes it: `2026-11-25T14:03:07.009Z` (or without the milliseconds). Every event's
 * times are parsed on ingest's hot path, and Date.parse cost a quarter of a
 * microsecond each (bench:ingest). Anything else, or anything at an edge (a year
 * before 1000, kept out for simplicity), goes to Date.parse.
 */
export function parseTime(text: string): number {
  const n = text.length
  if (
    (n === 24 || n === 20) &&
    text.charCodeAt(n - 1) === 90 && // Z
    text.charCodeAt(4) === 45 && // -
    text.charCodeAt(7) === 45 &&
    text.charCodeAt(10) === 84 && // T
    text.charCodeAt(13) === 58 && // :
    text.charCodeAt(16) === 58 &&
    isDigits(text, 0, 4) &&
    isDigits(text, 5, 7) &&
    isDigits(text, 8, 10) &&
    isDigits(text, 11, 13) &&
    isDigits(text, 14, 16) &&
    isDigits(text, 17, 19) &&
    (n === 20 || (text.charCodeAt(19) === 46 && isDigits(text, 20, 23))) // .
  ) {
    const year = two(text, 0) * 100 + two(text, 2)
    const month = two(text, 5)
    const day = two(text, 8)
    const hours = two(text, 11)
    const minutes = two(text, 14)
    const seconds = two(text, 17)
    if (
      year >= 1000 &&
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= 31 &&
      hours <= 23 &&
      minutes <= 59 &&
      seconds <= 59
    ) {
      const ms = n === 24 ? digit(text, 20) * 100 + two(text, 21) : 0
      return (
        daysFromCivil(year, month, day) * 86_400_000 +
        hours * 3_600_000 +
        minutes * 60_000 +
        seconds * 1000 +
        ms
      )
    }
  }
  return Date.parse(text)
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil): plain arithmetic, where Date.UTC was most of parseTime's cost. The
 * day counts on linearly, so day 31 of a short month is the next month's first, as
 * with Date.UTC and Date.parse.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}
