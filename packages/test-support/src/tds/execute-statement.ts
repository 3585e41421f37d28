import { setTimeout as sleep } from 'node:timers/promises'
import type { DatabaseRecord } from './catalog.js'
import { compare, evaluate, holds, type Row } from './evaluate.js'
import { encodeResultSet } from './result-set.js'
import type { ExecutionContext } from './server-context.js'
import type { LoginOptions, SelectStatement, Statement } from './sql-ast.js'
import { SqlError, sqlErrors } from './sql-error.js'
import type { SqlValue } from './sql-value.js'
import { systemView } from './system-views.js'
import { CURCMD_SELECT, EnvChangeType, envChangeToken, messageToken } from './tokens.js'
import {
  beginTransaction,
  commitTransaction,
  rollbackTransaction,
  saveTransaction,
} from './transactions.js'

/** What one statement produced, before its DONE token. */
export interface StatementResult {
  /** ENVCHANGE, INFO, COLMETADATA and ROW tokens. */
  tokens: Buffer[]
  /** Rows returned, for DONE_COUNT; `undefined` when the statement returns none. */
  rowCount: number | undefined
  /** CurCmd of its DONE token. */
  curCmd: number
}

const done = (tokens: Buffer[] = []): StatementResult => ({
  tokens,
  rowCount: undefined,
  curCmd: 0,
})

/** WAITFOR DELAY 'hh:mm[:ss[.mmm]]' in milliseconds, at most 24 hours. */
function delayMs(text: string): number {
  const match = /^\s*(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,3}))?)?\s*$/.exec(text)
  if (!match) throw sqlErrors.waitforSyntax(text)
  const [, hours, minutes, seconds = '0', fraction = '0'] = match
  const ms =
    ((Number(hours) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000 +
    Number(fraction.padEnd(3, '0'))
  if (Number(minutes) > 59 || Number(seconds) > 59 || ms > 86_400_000) {
    throw sqlErrors.waitforSyntax(text)
  }
  return ms
}

function requireAdmin(context: ExecutionContext): void {
  if (!context.session.login.isAdmin) throw sqlErrors.noPermission()
}

function currentDatabase(context: ExecutionContext): DatabaseRecord {
  const database = context.server.catalog.findDatabase(context.session.database)
  // The current database was dropped under the session (only possible from another session).
  if (!database) throw sqlErrors.noSuchDatabase(context.session.database)
  return database
}

/** The admin login, or a member of db_owner in the current database, may manage its users. */
function requireDatabaseOwner(context: ExecutionContext, database: DatabaseRecord): void {
  const { catalog } = context.server
  const user = catalog.userOfLogin(database, context.session.login)
  if (context.session.login.isAdmin || user?.roles.has('db_owner')) return
  throw sqlErrors.noPermission()
}

/** Rows and column names of a SELECT. */
function select(statement: SelectStatement, context: ExecutionContext): StatementResult {
  const exists = (query: SelectStatement) => select(query, context).rowCount! > 0
  let rows: Row[] = [{}]
  let viewColumns: readonly string[] = []
  if (statement.from !== undefined) {
    const view = systemView(statement.from, context)
    if (!view) throw new SqlError(208, 16, `Invalid object name '${statement.from}'.`)
    rows = view.rows
    viewColumns = view.columns
  }
  const where = statement.where
  if (where) rows = rows.filter((row) => holds(where, context, exists, row))
  if (statement.orderBy.length > 0) {
    const keyed = rows.map((row) => ({
      row,
      keys: statement.orderBy.map((order) => evaluate(order.expr, context, row)),
    }))
    keyed.sort((a, b) => {
      for (const [index, order] of statement.orderBy.entries()) {
        const sign = order.descending ? -1 : 1
        const result = compare(a.keys[index] ?? null, b.keys[index] ?? null)
        // NULLs sort first, as in SQL Server.
        if (result === null) {
          const aNull = a.keys[index] === null
          const bNull = b.keys[index] === null
          if (aNull !== bNull) return (aNull ? -1 : 1) * sign
        } else if (result !== 0) return result * sign
      }
      return 0
    })
    rows = keyed.map((entry) => entry.row)
  }
  const columns: string[] = []
  const values: SqlValue[][] = []
  const counting = statement.items.some((item) => item.expr.kind === 'countStar')
  const project = (row: Row, count: number): SqlValue[] =>
    statement.items.flatMap((item) => {
      if (item.expr.kind === 'countStar') return [count]
      if (item.expr.kind === 'column' && item.expr.name === '*') {
        return viewColumns.map((column) => row[column] ?? null)
      }
      return [evaluate(item.expr, context, row)]
    })
  for (const item of statement.items) {
    if (item.expr.kind === 'column' && item.expr.name === '*') {
      if (statement.from === undefined) throw sqlErrors.syntax('*')
      columns.push(...viewColumns)
    } else {
      columns.push(item.alias ?? (item.expr.kind === 'column' ? item.expr.name : ''))
    }
  }
  if (counting) values.push(project(rows[0] ?? {}, rows.length))
  else for (const row of rows) values.push(project(row, 0))
  const limited = statement.top === undefined ? values : values.slice(0, statement.top)
  return {
    tokens: [encodeResultSet({ columns, rows: limited })],
    rowCount: limited.length,
    curCmd: CURCMD_SELECT,
  }
}

function createOrAlterLogin(
  context: ExecutionContext,
  name: string,
  options: LoginOptions,
  enable: boolean | undefined,
): void {
  const { catalog } = context.server
  const { login } = context.session
  if (!login.isAdmin) {
    // SQL Server lets a login change its own password when it gives the old one.
    const own = catalog.findLogin(name)
    const self = own !== undefined && own.principalId === login.principalId
    const onlyPassword =
      enable === undefined &&
      options.password !== undefined &&
      options.defaultDatabase === undefined
    if (!self || !onlyPassword || options.oldPassword === undefined) throw sqlErrors.noPermission()
    if (own.password !== options.oldPassword) throw sqlErrors.cannotAlterLogin(name)
  }
  catalog.alterLogin(name, {
    password: options.password,
    defaultDatabase: options.defaultDatabase,
    disabled: enable === undefined ? undefined : !enable,
  })
}

function use(context: ExecutionContext, name: string): StatementResult {
  const { catalog } = context.server
  const { session } = context
  const database = catalog.findDatabase(name)
  if (!database) throw sqlErrors.noSuchDatabase(name)
  if (!catalog.canAccess(session.login, database)) {
    throw sqlErrors.noDatabaseAccess(session.login.name, database.name)
  }
  const previous = session.database
  session.database = database.name
  return done([
    envChangeToken(EnvChangeType.DATABASE, database.name, previous),
    messageToken({
      number: 5701,
      state: 1,
      severity: 0,
      message: `Changed database context to '${database.name}'.`,
      serverName: context.server.serverName,
    }),
  ])
}

/**
 * Runs one parsed statement against the session and the catalog.
 *
 * @throws SqlError for every failure SQL Server would report
 * @throws the signal's reason when a WAITFOR is cancelled
 */
export async function executeStatement(
  statement: Statement,
  context: ExecutionContext,
): Promise<StatementResult> {
  const { catalog } = context.server
  const { session } = context
  switch (statement.kind) {
    case 'set':
      return done()
    case 'select':
      return select(statement, context)
    case 'roleMembers': {
      const user = evaluate(statement.user, context)
      const database = currentDatabase(context)
      const roles = user === null ? [] : catalog.rolesOf(database, String(user))
      return {
        tokens: [encodeResultSet({ columns: [statement.column], rows: roles.map((r) => [r]) })],
        rowCount: roles.length,
        curCmd: CURCMD_SELECT,
      }
    }
    case 'createLogin': {
      requireAdmin(context)
      catalog.createLogin(
        statement.name,
        statement.options.password!,
        statement.options.defaultDatabase,
      )
      return done()
    }
    case 'alterLogin':
      createOrAlterLogin(context, statement.name, statement.options, statement.enable)
      return done()
    case 'dropLogin':
      requireAdmin(context)
      catalog.dropLogin(statement.name)
      return done()
    case 'createDatabase':
      requireAdmin(context)
      if (session.trancount > 0) throw sqlErrors.notInTransaction('CREATE DATABASE')
      catalog.createDatabase(statement.name)
      return done()
    case 'dropDatabase': {
      requireAdmin(context)
      if (session.trancount > 0) throw sqlErrors.notInTransaction('DROP DATABASE')
      const database = catalog.findDatabase(statement.name)
      if (!database && statement.ifExists) return done()
      const inUse = [...context.server.sessions()].some(
        (other) => database && other.database.toLowerCase() === database.name.toLowerCase(),
      )
      if (database && database.id !== 1 && inUse) throw sqlErrors.databaseInUse(database.name)
      catalog.dropDatabase(statement.name)
      return done()
    }
    case 'use':
      return use(context, statement.name)
    case 'createUser': {
      const database = currentDatabase(context)
      requireDatabaseOwner(context, database)
      catalog.createUser(database, statement.name, statement.login)
      return done()
    }
    case 'dropUser': {
      const database = currentDatabase(context)
      requireDatabaseOwner(context, database)
      if (statement.ifExists && !database.users.has(statement.name.toLowerCase())) return done()
      catalog.dropUser(database, statement.name)
      return done()
    }
    case 'alterRole': {
      const database = currentDatabase(context)
      requireDatabaseOwner(context, database)
      catalog.alterRole(database, statement.role, statement.member, statement.add)
      return done()
    }
    case 'kill':
      requireAdmin(context)
      if (statement.spid === session.spid) throw sqlErrors.killSelf()
      if (!context.server.kill(statement.spid)) throw sqlErrors.noSuchProcess(statement.spid)
      return done()
    case 'waitfor': {
      const delay = evaluate(statement.delay, context)
      if (typeof delay !== 'string') throw sqlErrors.waitforSyntax(String(delay))
      await sleep(delayMs(delay), undefined, { signal: context.signal })
      return done()
    }
    case 'begin':
      return done(beginTransaction(context, statement.name))
    case 'commit':
      return done(commitTransaction(context))
    case 'rollback':
      return done(rollbackTransaction(context, statement.name))
    case 'save':
      return done(saveTransaction(context, statement.name))
    case 'if': {
      const exists = (query: SelectStatement) => select(query, context).rowCount! > 0
      if (!holds(statement.condition, context, exists)) return done()
      return executeStatement(statement.body, context)
    }
  }
}
