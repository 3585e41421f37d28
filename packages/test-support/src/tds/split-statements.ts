import type { SqlToken } from './sql-lexer.js'

/** Words that start a statement when they open a line (tedious sends its SETs one per line). */
const statementStarts = new Set([
  'ALTER',
  'BEGIN',
  'COMMIT',
  'CREATE',
  'DECLARE',
  'DELETE',
  'DROP',
  'EXEC',
  'EXECUTE',
  'IF',
  'INSERT',
  'KILL',
  'PRINT',
  'ROLLBACK',
  'SAVE',
  'SELECT',
  'SET',
  'UPDATE',
  'USE',
  'WAITFOR',
])

const upper = (token: SqlToken | undefined) =>
  token?.kind === 'word' ? token.text.toUpperCase() : ''

/**
 * Splits a batch into statements: at `;`, and at a statement keyword that starts a line. The
 * statement after `IF <condition>` belongs to the IF, and `DROP MEMBER` continues an ALTER ROLE.
 */
export function splitStatements(tokens: readonly SqlToken[]): SqlToken[][] {
  const statements: SqlToken[][] = []
  let current: SqlToken[] = []
  let depth = 0
  let ifAwaitsBody = false
  const finish = () => {
    if (current.length > 0) statements.push(current)
    current = []
    depth = 0
    ifAwaitsBody = false
  }
  tokens.forEach((token, index) => {
    if (token.kind === 'punct' && token.text === ';') {
      finish()
      return
    }
    const word = upper(token)
    const startsStatement =
      depth === 0 &&
      statementStarts.has(word) &&
      !(word === 'DROP' && upper(tokens[index + 1]) === 'MEMBER')
    if (startsStatement && current.length > 0) {
      if (ifAwaitsBody) {
        ifAwaitsBody = false
      } else if (token.lineStart) {
        finish()
      }
    }
    if (current.length === 0 && word === 'IF') ifAwaitsBody = true
    if (token.kind === 'punct' && token.text === '(') depth++
    if (token.kind === 'punct' && token.text === ')') depth = Math.max(0, depth - 1)
    current.push(token)
  })
  finish()
  return statements
}
