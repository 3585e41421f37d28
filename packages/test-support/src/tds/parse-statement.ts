import { parseCondition, parseExpr, parseSelect } from './parse-select.js'
import type { LoginOptions, Statement } from './sql-ast.js'
import type { SqlToken } from './sql-lexer.js'
import { TokenCursor } from './token-cursor.js'

/** `= ON|OFF` after CHECK_POLICY / CHECK_EXPIRATION (accepted, not enforced). */
function onOff(cursor: TokenCursor): void {
  cursor.expectPunct('=')
  cursor.expectWord('ON', 'OFF')
}

/**
 * The WITH options of CREATE LOGIN / ALTER LOGIN: `PASSWORD = N'…' [HASHED] [MUST_CHANGE]
 * [OLD_PASSWORD = N'…'] [UNLOCK]`, `DEFAULT_DATABASE = [d]`, `DEFAULT_LANGUAGE = x`,
 * `CHECK_POLICY = ON|OFF`, `CHECK_EXPIRATION = ON|OFF`, separated by commas.
 */
function parseLoginOptions(cursor: TokenCursor): LoginOptions {
  const options: LoginOptions = {}
  do {
    const option = cursor.expectWord(
      'PASSWORD',
      'OLD_PASSWORD',
      'DEFAULT_DATABASE',
      'DEFAULT_LANGUAGE',
      'CHECK_POLICY',
      'CHECK_EXPIRATION',
    )
    switch (option) {
      case 'PASSWORD':
        cursor.expectPunct('=')
        options.password = cursor.stringLiteral()
        for (;;) {
          if (cursor.acceptWord('HASHED', 'MUST_CHANGE', 'UNLOCK')) continue
          if (cursor.acceptWord('OLD_PASSWORD')) {
            cursor.expectPunct('=')
            options.oldPassword = cursor.stringLiteral()
            continue
          }
          break
        }
        break
      case 'OLD_PASSWORD':
        cursor.expectPunct('=')
        options.oldPassword = cursor.stringLiteral()
        break
      case 'DEFAULT_DATABASE':
        cursor.expectPunct('=')
        options.defaultDatabase = cursor.identifier()
        break
      case 'DEFAULT_LANGUAGE':
        cursor.expectPunct('=')
        cursor.identifier()
        break
      default:
        onOff(cursor)
    }
  } while (cursor.acceptPunct(','))
  return options
}

function parseCreate(cursor: TokenCursor): Statement {
  const what = cursor.expectWord('LOGIN', 'DATABASE', 'USER')
  const name = cursor.identifier()
  if (what === 'LOGIN') {
    cursor.expectWord('WITH')
    const options = parseLoginOptions(cursor)
    if (options.password === undefined) cursor.fail()
    return { kind: 'createLogin', name, options }
  }
  if (what === 'DATABASE') return { kind: 'createDatabase', name }
  let login: string | undefined = name
  if (cursor.acceptWord('FOR', 'FROM')) {
    cursor.expectWord('LOGIN')
    login = cursor.identifier()
  } else if (cursor.acceptWord('WITHOUT')) {
    cursor.expectWord('LOGIN')
    login = undefined
  }
  if (cursor.acceptWord('WITH')) {
    cursor.expectWord('DEFAULT_SCHEMA')
    cursor.expectPunct('=')
    cursor.identifier()
  }
  return { kind: 'createUser', name, login }
}

function parseAlter(cursor: TokenCursor): Statement {
  const what = cursor.expectWord('LOGIN', 'ROLE')
  const name = cursor.identifier()
  if (what === 'ROLE') {
    const action = cursor.expectWord('ADD', 'DROP')
    cursor.expectWord('MEMBER')
    return { kind: 'alterRole', role: name, member: cursor.identifier(), add: action === 'ADD' }
  }
  const toggle = cursor.acceptWord('ENABLE', 'DISABLE')
  if (toggle) return { kind: 'alterLogin', name, options: {}, enable: toggle === 'ENABLE' }
  cursor.expectWord('WITH')
  return { kind: 'alterLogin', name, options: parseLoginOptions(cursor), enable: undefined }
}

function parseDrop(cursor: TokenCursor): Statement {
  const what = cursor.expectWord('LOGIN', 'DATABASE', 'USER')
  // DROP LOGIN has no IF EXISTS in T-SQL; DROP DATABASE and DROP USER do.
  let ifExists = false
  if (what !== 'LOGIN' && cursor.isWord(['IF']) && cursor.isWord(['EXISTS'], 1)) {
    cursor.next()
    cursor.next()
    ifExists = true
  }
  const name = cursor.identifier()
  if (what === 'LOGIN') return { kind: 'dropLogin', name }
  if (what === 'DATABASE') return { kind: 'dropDatabase', name, ifExists }
  return { kind: 'dropUser', name, ifExists }
}

/** `TRAN`/`TRANSACTION`/`WORK` and an optional name, after BEGIN/COMMIT/ROLLBACK/SAVE. */
function transactionName(cursor: TokenCursor, keywordRequired: boolean): string {
  const keyword = cursor.acceptWord('TRAN', 'TRANSACTION', 'WORK')
  if (!keyword && keywordRequired) cursor.fail()
  if (keyword === 'WORK' || cursor.atEnd()) return ''
  return cursor.identifier()
}

/** The `sys.database_role_members` join: `SELECT r.name AS role … WHERE u.name = N'x'`. */
function parseRoleMembers(tokens: readonly SqlToken[]): Statement {
  const cursor = new TokenCursor(tokens)
  cursor.expectWord('SELECT')
  parseExpr(cursor)
  let column = 'name'
  if (cursor.acceptWord('AS')) column = cursor.identifier()
  else if (cursor.isIdentifier() && !cursor.isWord(['FROM'])) column = cursor.identifier()
  const where = tokens.findLastIndex(
    (token) => token.kind === 'word' && /^where$/i.test(token.text),
  )
  if (where < 0) cursor.fail()
  const tail = new TokenCursor(tokens.slice(where + 1))
  const target = parseExpr(tail)
  if (target.kind !== 'column' || target.name !== 'name') tail.fail()
  tail.expectPunct('=')
  const user = parseExpr(tail)
  tail.expectEnd()
  return { kind: 'roleMembers', column, user }
}

function parseWith(cursor: TokenCursor): Statement {
  const keyword = cursor.peek()
  if (keyword?.kind !== 'word') return cursor.fail()
  switch (keyword.text.toUpperCase()) {
    case 'SET':
      // Session options (tedious's initial batch, SET NOCOUNT…) are accepted and ignored.
      while (!cursor.atEnd()) cursor.next()
      return { kind: 'set' }
    case 'SELECT':
      return parseSelect(cursor, true)
    case 'CREATE':
      cursor.next()
      return parseCreate(cursor)
    case 'ALTER':
      cursor.next()
      return parseAlter(cursor)
    case 'DROP':
      cursor.next()
      return parseDrop(cursor)
    case 'USE':
      cursor.next()
      return { kind: 'use', name: cursor.identifier() }
    case 'KILL': {
      cursor.next()
      const token = cursor.next()
      if (token.kind !== 'number' || typeof token.value !== 'number') return cursor.fail()
      return { kind: 'kill', spid: token.value }
    }
    case 'WAITFOR':
      cursor.next()
      cursor.expectWord('DELAY')
      return { kind: 'waitfor', delay: parseExpr(cursor) }
    case 'BEGIN':
      cursor.next()
      return { kind: 'begin', name: transactionName(cursor, true) }
    case 'COMMIT':
      cursor.next()
      transactionName(cursor, false)
      return { kind: 'commit' }
    case 'ROLLBACK':
      cursor.next()
      return { kind: 'rollback', name: transactionName(cursor, false) }
    case 'SAVE': {
      cursor.next()
      const name = transactionName(cursor, true)
      if (name === '') cursor.fail()
      return { kind: 'save', name }
    }
    case 'IF': {
      cursor.next()
      const condition = parseCondition(cursor)
      return { kind: 'if', condition, body: parseWith(cursor) }
    }
    default:
      return cursor.fail()
  }
}

/**
 * Parses one statement of the subset (see the README). A statement that is not in it fails with
 * error 102 near its first token; one that starts right but goes wrong fails near the token where
 * it went wrong.
 *
 * @throws SqlError 102 (or 195 for an unknown function)
 */
export function parseStatement(tokens: readonly SqlToken[]): Statement {
  const first = tokens[0]
  const isRoleQuery =
    first?.kind === 'word' &&
    /^select$/i.test(first.text) &&
    tokens.some((token) => token.kind === 'word' && /^database_role_members$/i.test(token.text))
  if (isRoleQuery) return parseRoleMembers(tokens)
  const cursor = new TokenCursor(tokens)
  const known = ['SET', 'SELECT', 'CREATE', 'ALTER', 'DROP', 'USE', 'KILL', 'WAITFOR', 'BEGIN']
  if (!cursor.isWord([...known, 'COMMIT', 'ROLLBACK', 'SAVE', 'IF'])) cursor.fail()
  const statement = parseWith(cursor)
  cursor.expectEnd()
  return statement
}
