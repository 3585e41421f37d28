import type { ExecutionContext } from './server-context.js'
import type { Condition, Expr } from './sql-ast.js'
import { SqlError, sqlErrors } from './sql-error.js'
import type { SqlValue } from './sql-value.js'

/** A row of a catalog view, by lower-case column name. */
export type Row = Record<string, SqlValue>

/** Runs a nested SELECT for EXISTS; returns whether it has rows. */
export type ExistsProbe = (query: Extract<Condition, { kind: 'exists' }>['query']) => boolean

const invalidColumn = (name: string) => new SqlError(207, 16, `Invalid column name '${name}'.`)

/** The database user the session is in its current database (`guest` where it has none). */
export function currentUserName(context: ExecutionContext): string {
  const { catalog } = context.server
  const database = catalog.findDatabase(context.session.database)
  const user = database && catalog.userOfLogin(database, context.session.login)
  return user?.name ?? 'guest'
}

const text = (value: SqlValue): string | null => (value === null ? null : String(value))

function isRoleMember(
  context: ExecutionContext,
  role: SqlValue,
  userName: SqlValue,
): number | null {
  const { catalog } = context.server
  const database = catalog.findDatabase(context.session.database)
  if (!database || role === null) return null
  const roleName = String(role).toLowerCase()
  if (!catalog.principals(database).some((p) => p.type === 'R' && p.name === roleName)) return null
  if (roleName === 'public') return 1
  const user = userName === null ? currentUserName(context) : String(userName)
  return catalog.rolesOf(database, user).includes(roleName) ? 1 : 0
}

function call(name: string, args: SqlValue[], context: ExecutionContext): SqlValue {
  const { catalog } = context.server
  const { session } = context
  const [first = null, second = null] = args
  const given = args.length > 0
  switch (name) {
    case 'SUSER_SNAME':
    case 'SUSER_NAME':
      if (!given) return session.login.name
      return catalog.listLogins().find((login) => login.principalId === Number(first))?.name ?? null
    case 'ORIGINAL_LOGIN':
      return session.login.name
    case 'SUSER_ID':
      if (!given) return session.login.principalId
      return first === null ? null : (catalog.findLogin(String(first))?.principalId ?? null)
    case 'DB_NAME':
      if (!given) return session.database
      return catalog.listDatabases().find((database) => database.id === Number(first))?.name ?? null
    case 'DB_ID':
      if (!given) return catalog.findDatabase(session.database)?.id ?? null
      return first === null ? null : (catalog.findDatabase(String(first))?.id ?? null)
    case 'USER_NAME':
      return currentUserName(context)
    case 'USER_ID': {
      const database = catalog.findDatabase(session.database)
      const user = database?.users.get(currentUserName(context).toLowerCase())
      return user?.principalId ?? null
    }
    case 'APP_NAME':
      return session.client.appName
    case 'HOST_NAME':
      return session.client.hostName
    case 'IS_SRVROLEMEMBER':
      if (first === null) return null
      return String(first).toLowerCase() === 'sysadmin' && session.login.isAdmin ? 1 : 0
    case 'IS_ROLEMEMBER':
    case 'IS_MEMBER':
      return isRoleMember(context, first, second)
    case 'GETDATE':
    case 'SYSDATETIME':
    case 'GETUTCDATE':
      return new Date().toISOString().slice(0, 23).replace('T', ' ')
    default:
      throw new SqlError(195, 15, `'${name}' is not a recognized built-in function name.`)
  }
}

function builtin(name: string, context: ExecutionContext): SqlValue {
  const { session, server } = context
  switch (name) {
    case '@@SPID':
      return session.spid
    case '@@VERSION':
      return server.versionText
    case '@@TRANCOUNT':
      return session.trancount
    case '@@SERVERNAME':
      return server.serverName
    case '@@SERVICENAME':
      return 'MSSQLSERVER'
    case '@@LANGUAGE':
      return 'us_english'
    case 'SYSTEM_USER':
      return session.login.name
    case 'CURRENT_USER':
    case 'SESSION_USER':
    case 'USER':
      return currentUserName(context)
    default:
      throw sqlErrors.undeclaredVariable(name)
  }
}

/**
 * The value of an expression, with `row` supplying the columns of a catalog view.
 *
 * @throws SqlError 207 for a column outside a view, 137 for an unknown `@@` name
 */
export function evaluate(expr: Expr, context: ExecutionContext, row?: Row): SqlValue {
  switch (expr.kind) {
    case 'literal':
      return expr.value
    case 'negate': {
      const value = evaluate(expr.operand, context, row)
      if (value === null) return null
      if (typeof value === 'bigint') return -value
      if (typeof value !== 'number') throw sqlErrors.syntax('-')
      return -value
    }
    case 'builtin':
      return builtin(expr.name, context)
    case 'call':
      return call(
        expr.name,
        expr.args.map((arg) => evaluate(arg, context, row)),
        context,
      )
    case 'column': {
      if (!row || !(expr.name in row)) throw invalidColumn(expr.name)
      return row[expr.name] ?? null
    }
    case 'countStar':
      throw sqlErrors.syntax('COUNT')
  }
}

/** Compares as SQL Server does here: strings case-insensitively, booleans as 0/1; `null` when either side is NULL. */
export function compare(left: SqlValue, right: SqlValue): number | null {
  if (left === null || right === null) return null
  const scalar = (value: SqlValue) => (typeof value === 'boolean' ? (value ? 1 : 0) : value)
  const a = scalar(left)
  const b = scalar(right)
  if (typeof a === 'string' || typeof b === 'string') {
    const x = text(a)!.toLowerCase()
    const y = text(b)!.toLowerCase()
    return x < y ? -1 : x > y ? 1 : 0
  }
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) {
    return Buffer.compare(Buffer.from(a as Buffer), Buffer.from(b as Buffer))
  }
  const x = Number(a)
  const y = Number(b)
  return x < y ? -1 : x > y ? 1 : 0
}

/** Whether a condition holds (unknown, from a NULL, counts as false). */
export function holds(
  condition: Condition,
  context: ExecutionContext,
  exists: ExistsProbe,
  row?: Row,
): boolean {
  const value = (expr: Expr) => evaluate(expr, context, row)
  switch (condition.kind) {
    case 'and':
      return (
        holds(condition.left, context, exists, row) && holds(condition.right, context, exists, row)
      )
    case 'or':
      return (
        holds(condition.left, context, exists, row) || holds(condition.right, context, exists, row)
      )
    case 'not':
      return !holds(condition.operand, context, exists, row)
    case 'exists':
      return exists(condition.query) !== condition.negated
    case 'isNull':
      return (value(condition.operand) === null) !== condition.negated
    case 'in': {
      const operand = value(condition.operand)
      const found = condition.values.some((candidate) => compare(operand, value(candidate)) === 0)
      return operand !== null && found !== condition.negated
    }
    case 'compare': {
      const order = compare(value(condition.left), value(condition.right))
      if (order === null) return false
      switch (condition.op) {
        case '=':
          return order === 0
        case '<>':
          return order !== 0
        case '<':
          return order < 0
        case '>':
          return order > 0
        case '<=':
          return order <= 0
        case '>=':
          return order >= 0
      }
    }
  }
}
