/**
 * Pure text transformations of `SHOW GRANTS` lines (MariaDB and MySQL print the grantee as
 * `` `name`@`host` ``). Account names reaching here are validated (letters, digits, `_`), so
 * they need no escaping inside the backticks.
 */

/** Placeholder that replaces the account in normalised grant lines. */
export const ACCOUNT_PLACEHOLDER = '{account}'

// MariaDB repeats the credential on the USAGE line: `IDENTIFIED BY PASSWORD '*hash'` or
// `IDENTIFIED VIA plugin USING '…' [OR …]`. It is neither a privilege nor safe to show.
const IDENTIFIED = / IDENTIFIED (?:BY PASSWORD '[^']*'|VIA .*?)(?= REQUIRE | WITH |$)/

/** `` `name`@`host` `` as SHOW GRANTS prints it. */
export function granteeToken(account: string, host: string): string {
  return `\`${account}\`@\`${host}\``
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * Replaces the grantee (after `TO`, or after `FOR` in `SET DEFAULT ROLE`) with `replacement` and
 * drops the credential clause. Other occurrences (a proxied user, a role name) are left alone.
 */
function replaceGrantee(line: string, account: string, host: string, replacement: string): string {
  const grantee = new RegExp(` (TO|FOR) ${escapeRegExp(granteeToken(account, host))}(?= |$)`)
  return line
    .replace(IDENTIFIED, '')
    .replace(grantee, (_match, keyword) => ` ${keyword} ${replacement}`)
}

/** A grant line with the account replaced by {@link ACCOUNT_PLACEHOLDER} and no credential. */
export function normaliseGrant(line: string, account: string, host: string): string {
  return replaceGrantee(line, account, host, ACCOUNT_PLACEHOLDER)
}

/** A grant line of `source` rewritten as the same grant for `clone` (credential dropped). */
export function rewriteGrant(line: string, source: string, clone: string, host: string): string {
  return replaceGrantee(line, source, host, granteeToken(clone, host))
}

/**
 * Orders statements so they can be replayed: the USAGE line (account attributes) first, then
 * privileges and roles, and `SET DEFAULT ROLE` last because the role must be granted already.
 */
export function replayOrder(lines: readonly string[]): string[] {
  const rank = (line: string) =>
    line.startsWith('GRANT USAGE ON *.* ') ? 0 : line.startsWith('SET DEFAULT ROLE ') ? 2 : 1
  return [...lines].sort((a, b) => rank(a) - rank(b))
}

const PRIVILEGE_GRANT = new RegExp(
  `^GRANT (.+?) ON (.+) TO ${escapeRegExp(ACCOUNT_PLACEHOLDER)}( WITH GRANT OPTION)?(?: .*)?$`,
)
const ROLE_GRANT = new RegExp(`^GRANT (\\S+) TO ${escapeRegExp(ACCOUNT_PLACEHOLDER)}(?: .*)?$`)

/**
 * Statements that undo one normalised grant line for `grantee` (`` `name`@`host` ``). USAGE
 * cannot be revoked and yields nothing; a default role is reset to NONE.
 */
export function revokeStatements(normalisedLine: string, grantee: string): string[] {
  if (normalisedLine.startsWith('GRANT USAGE ON *.* ')) return []
  if (normalisedLine.startsWith('SET DEFAULT ROLE '))
    return [`SET DEFAULT ROLE NONE FOR ${grantee}`]
  const privilege = PRIVILEGE_GRANT.exec(normalisedLine)
  if (privilege) {
    const [, privileges, object, grantOption] = privilege
    const statements = [`REVOKE ${privileges} ON ${object} FROM ${grantee}`]
    if (grantOption && privileges !== 'PROXY')
      statements.push(`REVOKE GRANT OPTION ON ${object} FROM ${grantee}`)
    return statements
  }
  const role = ROLE_GRANT.exec(normalisedLine)
  if (role) return [`REVOKE ${role[1]} FROM ${grantee}`]
  return []
}

/**
 * Escapes `_` and `%` in a database name for a database-level GRANT, where MySQL treats them as
 * LIKE wildcards (`app_db` would otherwise also match `appXdb`).
 */
export function grantDatabasePattern(database: string): string {
  return `\`${database.replace(/[_%]/g, '\\$&')}\``
}
