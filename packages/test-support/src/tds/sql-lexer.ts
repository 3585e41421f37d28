import { SqlError, sqlErrors } from './sql-error.js'
import type { SqlValue } from './sql-value.js'

interface TokenBase {
  /** The token as written (a parameter's `@name` for a substituted value), for messages. */
  text: string
  /** Nothing but blanks and comments precede it on its line (statements may start there). */
  lineStart: boolean
}

/** A lexical token of T-SQL, as far as this server's subset needs. */
export type SqlToken =
  | (TokenBase & { kind: 'word' })
  | (TokenBase & { kind: 'quoted'; name: string })
  | (TokenBase & { kind: 'string'; value: string })
  | (TokenBase & { kind: 'number'; value: number | bigint })
  | (TokenBase & { kind: 'variable' })
  | (TokenBase & { kind: 'system' })
  | (TokenBase & { kind: 'punct' })
  | (TokenBase & { kind: 'value'; value: SqlValue })

const wordStart = /[A-Za-z_#\u0080-\uffff]/
const wordPart = /[A-Za-z0-9_@$#\u0080-\uffff]/
const numberPattern = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/
const twoCharPunct = new Set(['<>', '!=', '>=', '<=', '::'])

/** The closing quote at `from`'s matching end, with doubled quotes as escapes. */
function quoted(sql: string, from: number, close: string): { body: string; end: number } | null {
  let body = ''
  for (let at = from; at < sql.length; at++) {
    const char = sql[at]!
    if (char === close) {
      if (sql[at + 1] === close) {
        body += close
        at++
        continue
      }
      return { body, end: at + 1 }
    }
    body += char
  }
  return null
}

/**
 * Splits T-SQL text into tokens: bare words (keywords and identifiers), `[quoted]` and `"quoted"`
 * identifiers, `N'strings'`, numbers, `@variables`, `@@functions` and punctuation. `--` and
 * `/* … *\/` comments are dropped.
 *
 * @throws SqlError 105 on an unclosed quote or bracket, 113 on an unclosed comment
 */
export function tokenize(sql: string): SqlToken[] {
  const tokens: SqlToken[] = []
  let lineStart = true
  let at = 0
  const push = (token: SqlToken) => {
    tokens.push(token)
    lineStart = false
  }
  while (at < sql.length) {
    const char = sql[at]!
    const next = sql[at + 1]
    if (char === '\n' || char === '\r') {
      lineStart = true
      at++
    } else if (/\s/.test(char)) {
      at++
    } else if (char === '-' && next === '-') {
      while (at < sql.length && sql[at] !== '\n') at++
    } else if (char === '/' && next === '*') {
      // Block comments nest in T-SQL.
      let depth = 0
      do {
        if (at >= sql.length) throw new SqlError(113, 15, "Missing end comment mark '*/'.")
        if (sql.startsWith('/*', at)) {
          depth++
          at += 2
        } else if (sql.startsWith('*/', at)) {
          depth--
          at += 2
        } else {
          if (sql[at] === '\n') lineStart = true
          at++
        }
      } while (depth > 0)
    } else if (char === "'" || ((char === 'N' || char === 'n') && next === "'")) {
      const open = char === "'" ? at : at + 1
      const found = quoted(sql, open + 1, "'")
      if (!found) throw sqlErrors.unclosedQuote(sql.slice(open + 1))
      push({ kind: 'string', text: sql.slice(at, found.end), value: found.body, lineStart })
      at = found.end
    } else if (char === '[' || char === '"') {
      const found = quoted(sql, at + 1, char === '[' ? ']' : '"')
      if (!found) throw sqlErrors.unclosedQuote(sql.slice(at + 1))
      if (found.body.length > 128) throw sqlErrors.identifierTooLong(found.body)
      push({ kind: 'quoted', text: sql.slice(at, found.end), name: found.body, lineStart })
      at = found.end
    } else if (char === '@') {
      const system = next === '@'
      let end = at + (system ? 2 : 1)
      while (end < sql.length && wordPart.test(sql[end]!)) end++
      const text = sql.slice(at, end)
      push({ kind: system ? 'system' : 'variable', text, lineStart })
      at = end
    } else if (/\d/.test(char) || (char === '.' && next !== undefined && /\d/.test(next))) {
      const text = numberPattern.exec(sql.slice(at))![0]
      const integer = /^\d+$/.test(text)
      const big = integer ? BigInt(text) : 0n
      const value = !integer
        ? Number(text)
        : big <= BigInt(Number.MAX_SAFE_INTEGER)
          ? Number(big)
          : big
      push({ kind: 'number', text, value, lineStart })
      at += text.length
    } else if (wordStart.test(char)) {
      let end = at + 1
      while (end < sql.length && wordPart.test(sql[end]!)) end++
      const text = sql.slice(at, end)
      if (text.length > 128) throw sqlErrors.identifierTooLong(text)
      push({ kind: 'word', text, lineStart })
      at = end
    } else {
      const pair = sql.slice(at, at + 2)
      const text = twoCharPunct.has(pair) ? pair : char
      push({ kind: 'punct', text, lineStart })
      at += text.length
    }
  }
  return tokens
}
