import { sqlErrors } from './sql-error.js'

/** A SQL login (server principal). */
export interface LoginRecord {
  name: string
  password: string
  disabled: boolean
  /** Database a login without a requested database lands in. */
  defaultDatabase: string
  /** `SUSER_ID()`: 1 for the admin login, 256 and up for the others, never reused. */
  principalId: number
  /** The admin login: sysadmin, and user `dbo` in every database. */
  isAdmin: boolean
}

/** A database user (database principal). */
export interface UserRecord {
  name: string
  principalId: number
  /** The principal id of the login it maps to (a recreated login gets a new id: orphaned). */
  loginId: number | undefined
  /** Lower-case names of the fixed roles it is a member of. */
  roles: Set<string>
}

/** A database: only its principals, there are no tables. */
export interface DatabaseRecord {
  name: string
  /** `DB_ID()`: 1 for master, 5 and up for created ones, never reused. */
  id: number
  users: Map<string, UserRecord>
  nextPrincipalId: number
}

/** A row of `sys.database_principals`. */
export interface PrincipalRow {
  name: string
  principalId: number
  /** `S` (SQL user), `R` (role). */
  type: 'S' | 'R'
  typeDesc: 'SQL_USER' | 'DATABASE_ROLE'
}

/** The fixed database roles, with SQL Server's principal ids. */
const fixedRoles: ReadonlyArray<readonly [string, number]> = [
  ['db_owner', 16384],
  ['db_accessadmin', 16385],
  ['db_securityadmin', 16386],
  ['db_ddladmin', 16387],
  ['db_backupoperator', 16389],
  ['db_datareader', 16390],
  ['db_datawriter', 16391],
  ['db_denydatareader', 16392],
  ['db_denydatawriter', 16393],
]

/** Users every database has, that cannot be created or dropped. */
const builtInUsers: ReadonlyArray<readonly [string, number]> = [
  ['dbo', 1],
  ['guest', 2],
  ['INFORMATION_SCHEMA', 3],
  ['sys', 4],
]

const key = (name: string) => name.toLowerCase()

/**
 * The server's in-memory catalog: logins, databases and their users and role memberships. Names
 * compare case-insensitively (the server collation is `_CI_`); passwords case-sensitively.
 */
export class Catalog {
  private readonly logins = new Map<string, LoginRecord>()
  private readonly databases = new Map<string, DatabaseRecord>()
  private nextLoginId = 256
  private nextDatabaseId = 5
  readonly admin: LoginRecord

  constructor(adminLogin: string, adminPassword: string) {
    this.admin = {
      name: adminLogin,
      password: adminPassword,
      disabled: false,
      defaultDatabase: 'master',
      principalId: 1,
      isAdmin: true,
    }
    this.logins.set(key(adminLogin), this.admin)
    this.databases.set('master', this.newDatabase('master', 1))
  }

  private newDatabase(name: string, id: number): DatabaseRecord {
    const users = new Map<string, UserRecord>()
    for (const [userName, principalId] of builtInUsers) {
      users.set(key(userName), {
        name: userName,
        principalId,
        loginId: userName === 'dbo' ? this.admin.principalId : undefined,
        roles: new Set(userName === 'dbo' ? ['db_owner'] : []),
      })
    }
    return { name, id, users, nextPrincipalId: 5 }
  }

  findLogin(name: string): LoginRecord | undefined {
    return this.logins.get(key(name))
  }

  listLogins(): LoginRecord[] {
    return [...this.logins.values()]
  }

  /** @throws SqlError 15025 when it exists, 15010 for an unknown default database */
  createLogin(name: string, password: string, defaultDatabase = 'master'): void {
    if (this.logins.has(key(name))) throw sqlErrors.loginExists(name)
    const database = this.findDatabase(defaultDatabase)
    if (!database) throw sqlErrors.noSuchDefaultDatabase(defaultDatabase)
    this.logins.set(key(name), {
      name,
      password,
      disabled: false,
      defaultDatabase: database.name,
      principalId: this.nextLoginId++,
      isAdmin: false,
    })
  }

  /** Changes a login; sessions already open are not affected. @throws SqlError 15151, 15010 */
  alterLogin(
    name: string,
    change: { password?: string; disabled?: boolean; defaultDatabase?: string },
  ): void {
    const login = this.logins.get(key(name))
    if (!login) throw sqlErrors.cannotAlterLogin(name)
    if (change.defaultDatabase !== undefined) {
      const database = this.findDatabase(change.defaultDatabase)
      if (!database) throw sqlErrors.noSuchDefaultDatabase(change.defaultDatabase)
      login.defaultDatabase = database.name
    }
    if (change.password !== undefined) login.password = change.password
    if (change.disabled !== undefined) login.disabled = change.disabled
  }

  /** Drops a login; its database users stay, orphaned. @throws SqlError 15151 */
  dropLogin(name: string): void {
    const login = this.logins.get(key(name))
    if (!login || login.isAdmin) throw sqlErrors.cannotDropLogin(name)
    this.logins.delete(key(name))
  }

  findDatabase(name: string): DatabaseRecord | undefined {
    return this.databases.get(key(name))
  }

  listDatabases(): DatabaseRecord[] {
    return [...this.databases.values()]
  }

  /** @throws SqlError 1801 when it exists */
  createDatabase(name: string): void {
    if (this.databases.has(key(name))) throw sqlErrors.databaseExists(name)
    this.databases.set(key(name), this.newDatabase(name, this.nextDatabaseId++))
  }

  /** @throws SqlError 3701 when it does not exist, 3708 for master */
  dropDatabase(name: string): void {
    const database = this.databases.get(key(name))
    if (!database) throw sqlErrors.cannotDropDatabase(name)
    if (database.id === 1) throw sqlErrors.systemDatabase(database.name)
    this.databases.delete(key(name))
  }

  /** The user a login maps to in a database (`dbo` for the admin login), if any. */
  userOfLogin(database: DatabaseRecord, login: LoginRecord): UserRecord | undefined {
    for (const user of database.users.values()) {
      if (user.loginId === login.principalId) return user
    }
    return undefined
  }

  /**
   * Whether a login may use a database: the admin login everywhere, others where their login has
   * a user, and master for everyone (its guest user is enabled, as on SQL Server).
   */
  canAccess(login: LoginRecord, database: DatabaseRecord): boolean {
    return login.isAdmin || database.id === 1 || this.userOfLogin(database, login) !== undefined
  }

  /** Users and roles of a database, as in `sys.database_principals`. */
  principals(database: DatabaseRecord): PrincipalRow[] {
    const users = [...database.users.values()].map(
      (user): PrincipalRow => ({
        name: user.name,
        principalId: user.principalId,
        type: 'S',
        typeDesc: 'SQL_USER',
      }),
    )
    const roles = [['public', 0] as const, ...fixedRoles].map(
      ([name, principalId]): PrincipalRow => ({
        name,
        principalId,
        type: 'R',
        typeDesc: 'DATABASE_ROLE',
      }),
    )
    return [...users, ...roles]
  }

  /** @throws SqlError 15023 when the name is taken, 15007 for an unknown login, 15063 when the login already has a user */
  createUser(database: DatabaseRecord, name: string, loginName: string | undefined): void {
    const taken =
      database.users.has(key(name)) ||
      key(name) === 'public' ||
      fixedRoles.some(([role]) => role === key(name))
    if (taken) throw sqlErrors.userExists(name)
    let loginId: number | undefined
    if (loginName !== undefined) {
      const login = this.findLogin(loginName)
      if (!login) throw sqlErrors.notALogin(loginName)
      if (this.userOfLogin(database, login)) throw sqlErrors.loginHasUser()
      loginId = login.principalId
    }
    database.users.set(key(name), {
      name,
      principalId: database.nextPrincipalId++,
      loginId,
      roles: new Set(),
    })
  }

  /** @throws SqlError 15151 when it does not exist, 15150 for a built-in user */
  dropUser(database: DatabaseRecord, name: string): void {
    const user = database.users.get(key(name))
    if (!user) throw sqlErrors.cannotDropUser(name)
    if (builtInUsers.some(([builtIn]) => key(builtIn) === key(name))) {
      throw sqlErrors.cannotDropSpecialUser(user.name)
    }
    database.users.delete(key(name))
  }

  /** ALTER ROLE … ADD/DROP MEMBER. @throws SqlError 15151 for an unknown role or user */
  alterRole(database: DatabaseRecord, role: string, member: string, add: boolean): void {
    const fixed = fixedRoles.find(([name]) => name === key(role))
    if (!fixed) throw sqlErrors.cannotAlterRole(role)
    const user = database.users.get(key(member))
    if (!user) throw sqlErrors.cannotAddPrincipal(member)
    if (add) user.roles.add(fixed[0])
    else user.roles.delete(fixed[0])
  }

  /** The roles of a user in a database, ordered by name (`public` not included). */
  rolesOf(database: DatabaseRecord, userName: string): string[] {
    const user = database.users.get(key(userName))
    return user ? [...user.roles].sort() : []
  }
}
