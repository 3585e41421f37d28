/** T-SQL quoting for test set-up SQL (logins, databases, passwords that contain quotes). */

/** `name` as a bracket-quoted identifier: `[…]`, with `]` doubled. */
export function tsqlIdentifier(name: string): string {
  return `[${name.replaceAll(']', ']]')}]`
}

/** `value` as a Unicode string literal: `N'…'`, with `'` doubled. */
export function tsqlString(value: string): string {
  return `N'${value.replaceAll("'", "''")}'`
}
