/**
 * Quoting for the T-SQL the SQL Server engine writes. Names are validated before they get here
 * (letters, digits, underscores), so quoting is a second line of defence; passwords are arbitrary
 * and are always quoted.
 */

/** A bracket-quoted identifier: `]` doubled. */
export function tsqlIdentifier(name: string): string {
  return `[${name.replaceAll(']', ']]')}]`
}

/** A Unicode string literal: `'` doubled. */
export function tsqlString(value: string): string {
  return `N'${value.replaceAll("'", "''")}'`
}
