import type { Condition, Expr, SelectItem, SelectStatement } from './sql-ast.js'
import { SqlError } from './sql-error.js'
import type { TokenCursor } from './token-cursor.js'

/** Built-ins written without parentheses. */
const bareBuiltins = new Set(['SYSTEM_USER', 'CURRENT_USER', 'SESSION_USER', 'USER'])

/** Built-in functions this server evaluates. */
const functions = new Set([
  'APP_NAME',
  'COUNT',
  'DB_ID',
  'DB_NAME',
  'GETDATE',
  'GETUTCDATE',
  'HOST_NAME',
  'IS_MEMBER',
  'IS_ROLEMEMBER',
  'IS_SRVROLEMEMBER',
  'ORIGINAL_LOGIN',
  'SUSER_ID',
  'SUSER_NAME',
  'SUSER_SNAME',
  'SYSDATETIME',
  'USER_ID',
  'USER_NAME',
])

const comparisons = new Set(['=', '<>', '!=', '<', '>', '<=', '>='])

/** Words that end a SELECT item rather than name it (a bare alias may not be one of them). */
const clauseWords = ['FROM', 'WHERE', 'ORDER', 'JOIN', 'ON', 'GROUP', 'UNION', 'AND', 'OR']

/** `-expr`, a literal, a parameter value, `@@X`, a built-in call or a column. */
export function parseExpr(cursor: TokenCursor): Expr {
  if (cursor.acceptPunct('-')) return { kind: 'negate', operand: parseExpr(cursor) }
  if (cursor.acceptPunct('+')) return parseExpr(cursor)
  if (cursor.acceptPunct('(')) {
    const inner = parseExpr(cursor)
    cursor.expectPunct(')')
    return inner
  }
  const token = cursor.peek()
  if (!token) return cursor.fail()
  switch (token.kind) {
    case 'number':
    case 'string':
    case 'value':
      cursor.next()
      return { kind: 'literal', value: token.value }
    case 'system':
      cursor.next()
      return { kind: 'builtin', name: token.text.toUpperCase() }
    case 'quoted':
      cursor.next()
      return qualifiedColumn(cursor, token.name)
    case 'word': {
      const upper = token.text.toUpperCase()
      if (upper === 'NULL') {
        cursor.next()
        return { kind: 'literal', value: null }
      }
      if (cursor.isPunct('(', 1)) {
        cursor.next()
        cursor.next()
        if (!functions.has(upper)) {
          throw new SqlError(195, 15, `'${token.text}' is not a recognized built-in function name.`)
        }
        if (upper === 'COUNT') {
          if (!cursor.acceptPunct('*')) parseExpr(cursor)
          cursor.expectPunct(')')
          return { kind: 'countStar' }
        }
        const args: Expr[] = []
        if (!cursor.acceptPunct(')')) {
          do args.push(parseExpr(cursor))
          while (cursor.acceptPunct(','))
          cursor.expectPunct(')')
        }
        return { kind: 'call', name: upper, args }
      }
      if (bareBuiltins.has(upper)) {
        cursor.next()
        return { kind: 'builtin', name: upper }
      }
      if (!cursor.isIdentifier()) return cursor.fail()
      cursor.next()
      return qualifiedColumn(cursor, token.text)
    }
    default:
      return cursor.fail()
  }
}

/** `alias.column` (or a longer chain): the last part names the column. */
function qualifiedColumn(cursor: TokenCursor, first: string): Expr {
  let name = first
  while (cursor.acceptPunct('.')) name = cursor.identifier()
  return { kind: 'column', name: name.toLowerCase() }
}

function parsePredicate(cursor: TokenCursor): Condition {
  if (cursor.isWord(['EXISTS']) || (cursor.isWord(['NOT']) && cursor.isWord(['EXISTS'], 1))) {
    const negated = cursor.acceptWord('NOT') !== undefined
    cursor.expectWord('EXISTS')
    cursor.expectPunct('(')
    const query = parseSelect(cursor, true)
    cursor.expectPunct(')')
    return { kind: 'exists', query, negated }
  }
  if (cursor.isPunct('(') && !cursor.isWord(['SELECT'], 1)) {
    // A parenthesised condition (a parenthesised expression cannot start a condition here).
    cursor.next()
    const inner = parseCondition(cursor)
    cursor.expectPunct(')')
    return inner
  }
  const operand = parseExpr(cursor)
  if (cursor.acceptWord('IS')) {
    const negated = cursor.acceptWord('NOT') !== undefined
    cursor.expectWord('NULL')
    return { kind: 'isNull', operand, negated }
  }
  const negated = cursor.acceptWord('NOT') !== undefined
  if (cursor.acceptWord('IN')) {
    cursor.expectPunct('(')
    const values: Expr[] = []
    do values.push(parseExpr(cursor))
    while (cursor.acceptPunct(','))
    cursor.expectPunct(')')
    return { kind: 'in', operand, values, negated }
  }
  if (negated) return cursor.fail()
  const token = cursor.peek()
  if (token?.kind !== 'punct' || !comparisons.has(token.text)) return cursor.fail()
  cursor.next()
  const op = token.text === '!=' ? '<>' : (token.text as '=' | '<>' | '<' | '>' | '<=' | '>=')
  return { kind: 'compare', op, left: operand, right: parseExpr(cursor) }
}

function parseNot(cursor: TokenCursor): Condition {
  if (cursor.isWord(['NOT']) && !cursor.isWord(['EXISTS'], 1)) {
    cursor.next()
    return { kind: 'not', operand: parseNot(cursor) }
  }
  return parsePredicate(cursor)
}

function parseAnd(cursor: TokenCursor): Condition {
  let left = parseNot(cursor)
  while (cursor.acceptWord('AND')) left = { kind: 'and', left, right: parseNot(cursor) }
  return left
}

/** A condition with AND, OR, NOT, comparisons, `IN (…)`, `IS [NOT] NULL` and `[NOT] EXISTS (…)`. */
export function parseCondition(cursor: TokenCursor): Condition {
  let left = parseAnd(cursor)
  while (cursor.acceptWord('OR')) left = { kind: 'or', left, right: parseAnd(cursor) }
  return left
}

function parseItem(cursor: TokenCursor): SelectItem {
  if (cursor.acceptPunct('*')) return { expr: { kind: 'column', name: '*' }, alias: undefined }
  const expr = parseExpr(cursor)
  let alias: string | undefined
  if (cursor.acceptWord('AS')) {
    const token = cursor.peek()
    alias = token?.kind === 'string' ? cursor.stringLiteral() : cursor.identifier()
  } else if (cursor.isIdentifier() && !cursor.isWord(clauseWords)) {
    alias = cursor.identifier()
  } else if (cursor.peek()?.kind === 'string') {
    alias = cursor.stringLiteral()
  }
  return { expr, alias }
}

/** `name[.name…]`, lower-case, reduced to its last two parts (`master.sys.x` → `sys.x`). */
function parseSource(cursor: TokenCursor): string {
  const parts = [cursor.identifier()]
  while (cursor.acceptPunct('.')) {
    // `master..sysdatabases` leaves the schema out.
    if (cursor.isPunct('.')) continue
    parts.push(cursor.identifier())
  }
  return parts.slice(-2).join('.').toLowerCase()
}

/**
 * `SELECT [TOP n] items [FROM view [AS alias]] [WHERE …] [ORDER BY …]`, the cursor just before
 * SELECT. `nested` stops at a closing parenthesis instead of requiring the end.
 */
export function parseSelect(cursor: TokenCursor, nested = false): SelectStatement {
  cursor.expectWord('SELECT')
  let top: number | undefined
  if (cursor.acceptWord('TOP')) {
    const parenthesised = cursor.acceptPunct('(')
    const token = cursor.next()
    if (token.kind !== 'number' && token.kind !== 'value') return cursor.fail()
    top = Number(token.value)
    if (parenthesised) cursor.expectPunct(')')
  }
  const items: SelectItem[] = []
  do items.push(parseItem(cursor))
  while (cursor.acceptPunct(','))
  let from: string | undefined
  if (cursor.acceptWord('FROM')) {
    from = parseSource(cursor)
    if (cursor.acceptWord('AS')) cursor.identifier()
    else if (cursor.isIdentifier() && !cursor.isWord(clauseWords)) cursor.identifier()
  }
  const where = cursor.acceptWord('WHERE') ? parseCondition(cursor) : undefined
  const orderBy: SelectStatement['orderBy'] = []
  if (cursor.acceptWord('ORDER')) {
    cursor.expectWord('BY')
    do {
      const expr = parseExpr(cursor)
      const direction = cursor.acceptWord('ASC', 'DESC')
      orderBy.push({ expr, descending: direction === 'DESC' })
    } while (cursor.acceptPunct(','))
  }
  if (!nested) cursor.expectEnd()
  return { kind: 'select', top, items, from, where, orderBy }
}
