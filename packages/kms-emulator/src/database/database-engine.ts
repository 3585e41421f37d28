/**
 * Engines the emulator can rotate accounts on. `mysql` and `mariadb` share one implementation;
 * `sqlserver` manages SQL logins over tedious with T-SQL.
 */
export type DatabaseEngineKind = 'mysql' | 'mariadb' | 'postgresql' | 'sqlserver'

/**
 * A database server the emulator manages accounts on, declared by instance id
 * (`databases: { 'rm-local': { engine: 'mariadb', host, port, user, password } }`).
 * `user`/`password` are an admin connection allowed to create roles/users and change passwords.
 */
export interface DatabaseServerConfig {
  engine: DatabaseEngineKind
  /** @default '127.0.0.1' */
  host?: string
  /** @default 3306 for mysql/mariadb, 5432 for postgresql, 1433 for sqlserver */
  port?: number
  user: string
  /** Password of `user`. @default '' */
  password?: string
  /**
   * Database the admin connection opens (PostgreSQL, SQL Server).
   * @default 'postgres' (PostgreSQL), 'master' (SQL Server)
   */
  database?: string
  /**
   * Milliseconds allowed to open a connection (the admin pool and `checkLogin`).
   * @default 5000
   */
  connectTimeoutMs?: number
}

/** Privilege sets of the console's "Create account" operation. */
export type AccountPrivilege = 'ReadWrite' | 'ReadOnly' | 'DDLOnly' | 'DMLOnly'

/**
 * What the emulator needs from a database server to manage an account. Implementations never log
 * or put a password in an error message.
 */
export interface DatabaseEngine {
  readonly kind: DatabaseEngineKind
  /** Whether a login account exists. */
  accountExists(account: string): Promise<boolean>
  /** Sets the password of an existing account (`ALTER USER` / `ALTER ROLE`). */
  setPassword(account: string, password: string): Promise<void>
  /**
   * Creates `clone` with the same privileges as `source` (MariaDB: from `SHOW GRANTS`; PostgreSQL:
   * role membership / identical grants) and the given password. Idempotent when `clone` already
   * exists: it then only resets the password and re-syncs grants.
   */
  cloneAccount(source: string, clone: string, password: string): Promise<void>
  /**
   * Creates a login account with a password and privileges on the given databases ("Create account"
   * in the console). Creates the databases when they do not exist.
   */
  createAccount(
    account: string,
    password: string,
    grants: ReadonlyArray<{ database: string; privilege: AccountPrivilege }>,
  ): Promise<void>
  /** Whether `account` can log in with `password` right now (opens a real connection). */
  checkLogin(account: string, password: string): Promise<boolean>
  /** The privileges of an account, normalised so two accounts with identical grants compare equal. */
  describeGrants(account: string): Promise<string[]>
  /** Closes the admin connection(s). */
  close(): Promise<void>
}
