import { randomBytes } from 'node:crypto'

/**
 * Prefix shared by every name this process generates: `t` + 6 random base-36 characters. It keeps
 * parallel test files (separate processes) and earlier crashed runs apart, and it starts with a
 * letter so the names are valid MariaDB user, PostgreSQL role and database names.
 */
export const runPrefix = `t${randomBytes(4).readUInt32BE(0).toString(36).padStart(6, '0').slice(-6)}`

let counter = 0

/**
 * A name unique to this run: `<runPrefix>_<label>_<n>`, lowercase letters, digits and `_` only.
 * Kept at most 26 characters so that `<name>_clone` still fits the 32-character account limit.
 *
 * @param label - a short hint for humans reading leftovers (non-alphanumerics are dropped)
 * @default label 'x'
 */
export function randomName(label = 'x'): string {
  counter += 1
  const clean = label.toLowerCase().replace(/[^a-z0-9]/g, '')
  const suffix = `_${counter.toString(36)}`
  const room = 26 - runPrefix.length - 1 - suffix.length
  return `${runPrefix}_${clean.slice(0, Math.max(1, room)) || 'x'}${suffix}`
}

/**
 * A random password of printable ASCII with at least one quote, backslash and percent sign, so tests
 * exercise literal escaping on every run.
 *
 * @param length - total length
 * @default length 24
 */
export function randomPassword(length = 24): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789'
  const bytes = randomBytes(Math.max(length, 8))
  let body = ''
  for (const byte of bytes) body += alphabet[byte % alphabet.length]
  return `${body.slice(0, Math.max(length, 8) - 5)}'\\%"$`
}

/**
 * The part of `password` that `util.inspect` and `JSON.stringify` print as is — its longest run of
 * letters and digits — for leak checks: a password with quotes or backslashes (as
 * {@link randomPassword} makes them) never appears verbatim in their escaped output, so
 * `not.toContain(password)` would pass even when it leaks.
 * @throws `Error` when that run is shorter than 6 characters (too weak a probe).
 */
export function printedPart(password: string): string {
  const runs = password.match(/[A-Za-z0-9]+/g) ?? []
  const longest = runs.reduce((best, run) => (run.length > best.length ? run : best), '')
  if (longest.length < 6)
    throw new Error('the password has no run of 6 letters or digits to look for')
  return longest
}
