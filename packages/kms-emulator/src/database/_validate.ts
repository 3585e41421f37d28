import type { AccountPrivilege } from './database-engine.js'
import { DatabaseEngineError } from './database-engine-error.js'

// RDS account names are letters, digits and underscores starting with a letter, at most 32
// characters (MySQL 5.7+'s user-name limit). The pattern is also what makes it safe to splice a
// validated name into a quoted identifier: it can contain no quote, backtick, backslash or `%`.
const ACCOUNT_NAME = /^[A-Za-z][A-Za-z0-9_]{0,31}$/
// PostgreSQL truncates identifiers at 63 bytes, MySQL allows 64 characters.
const DATABASE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/
const MAX_PASSWORD_LENGTH = 256

/**
 * Throws `INVALID_ACCOUNT_NAME` unless `name` is a safe account name for which `isReserved` (given
 * the lower-cased name) is false.
 */
export function assertAccountName(
  name: unknown,
  isReserved: (lowerCaseName: string) => boolean = () => false,
): asserts name is string {
  if (typeof name !== 'string' || !ACCOUNT_NAME.test(name)) {
    throw new DatabaseEngineError(
      'INVALID_ACCOUNT_NAME',
      'An account name must be 1 to 32 letters, digits or underscores and start with a letter.',
    )
  }
  if (isReserved(name.toLowerCase())) {
    throw new DatabaseEngineError(
      'INVALID_ACCOUNT_NAME',
      `The account name "${name}" is reserved by the database server.`,
    )
  }
}

/** Throws `INVALID_DATABASE_NAME` unless `name` is a safe database name not in `reserved`. */
export function assertDatabaseName(
  name: unknown,
  reserved: ReadonlySet<string> = new Set(),
): asserts name is string {
  if (typeof name !== 'string' || !DATABASE_NAME.test(name)) {
    throw new DatabaseEngineError(
      'INVALID_DATABASE_NAME',
      'A database name must be 1 to 63 letters, digits or underscores and start with a letter.',
    )
  }
  if (reserved.has(name.toLowerCase())) {
    throw new DatabaseEngineError(
      'INVALID_DATABASE_NAME',
      `The database "${name}" is a system database; accounts cannot be granted privileges on it.`,
    )
  }
}

/** Throws `INVALID_PASSWORD` (without echoing it) unless `password` is a usable password. */
export function assertPassword(password: unknown): asserts password is string {
  if (
    typeof password !== 'string' ||
    password.length === 0 ||
    password.length > MAX_PASSWORD_LENGTH ||
    password.includes('\0')
  ) {
    throw new DatabaseEngineError(
      'INVALID_PASSWORD',
      `A password must be a string of 1 to ${MAX_PASSWORD_LENGTH} characters without NUL.`,
    )
  }
}

const PRIVILEGES: ReadonlySet<string> = new Set(['ReadWrite', 'ReadOnly', 'DDLOnly', 'DMLOnly'])

/** Throws `INVALID_PRIVILEGE` / `INVALID_DATABASE_NAME` unless `grants` is a valid grant list. */
export function assertGrants(
  grants: unknown,
  reservedDatabases: ReadonlySet<string>,
): asserts grants is ReadonlyArray<{ database: string; privilege: AccountPrivilege }> {
  if (!Array.isArray(grants)) {
    throw new DatabaseEngineError('INVALID_PRIVILEGE', 'grants must be an array.')
  }
  for (const grant of grants as unknown[]) {
    const { database, privilege } = (grant ?? {}) as { database?: unknown; privilege?: unknown }
    assertDatabaseName(database, reservedDatabases)
    if (typeof privilege !== 'string' || !PRIVILEGES.has(privilege)) {
      throw new DatabaseEngineError(
        'INVALID_PRIVILEGE',
        'A privilege must be one of ReadWrite, ReadOnly, DDLOnly, DMLOnly.',
      )
    }
  }
}

/** Checks the arguments of `cloneAccount`: two distinct safe account names and a usable password. */
export function assertCloneArguments(
  source: unknown,
  clone: unknown,
  password: unknown,
  isReserved: (lowerCaseName: string) => boolean,
): asserts source is string {
  assertAccountName(source, isReserved)
  assertAccountName(clone, isReserved)
  assertPassword(password)
  if (source === clone) {
    throw new DatabaseEngineError(
      'INVALID_ACCOUNT_NAME',
      'The clone must have a different name than its source.',
    )
  }
}

/**
 * Throws `PROTECTED_ACCOUNT` when `account` is the engine's own admin account (`admin`), which
 * rotation must never change. Names compare as the server does: case-insensitively on MySQL,
 * MariaDB and SQL Server (`caseSensitive: false`), exactly on PostgreSQL.
 */
export function assertNotAdmin(account: string, admin: string, caseSensitive: boolean): void {
  const same = caseSensitive ? account === admin : account.toLowerCase() === admin.toLowerCase()
  if (same) {
    throw new DatabaseEngineError(
      'PROTECTED_ACCOUNT',
      `The account "${account}" is the engine's admin account and cannot be changed.`,
    )
  }
}
