/**
 * PostgreSQL quoting for test set-up SQL, independent of the pg version under test (pg's own
 * `escapeIdentifier`/`escapeLiteral` only exist from pg 8.8, and the oldest-peer runs use 8.7.3).
 */

/** `name` as a quoted identifier: `"…"`, with `"` doubled. */
export function pgIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** `value` as a string literal: `'…'` (or `E'…'` when it holds a backslash), quotes doubled. */
export function pgLiteral(value: string): string {
  const quoted = `'${value.replaceAll("'", "''").replaceAll('\\', '\\\\')}'`
  return value.includes('\\') ? `E${quoted}` : quoted
}
