import { sqlErrors } from './sql-error.js'
import type { SqlToken } from './sql-lexer.js'

/** Words that cannot be bare identifiers in this subset. */
const reserved = new Set([
  'ADD',
  'ALTER',
  'AND',
  'AS',
  'BEGIN',
  'BY',
  'COMMIT',
  'CREATE',
  'DATABASE',
  'DELETE',
  'DROP',
  'EXISTS',
  'FOR',
  'FROM',
  'IF',
  'IN',
  'IS',
  'JOIN',
  'KILL',
  'NOT',
  'NULL',
  'ON',
  'OR',
  'ORDER',
  'ROLLBACK',
  'SAVE',
  'SELECT',
  'SET',
  'TOP',
  'USE',
  'USER',
  'WAITFOR',
  'WHERE',
  'WITH',
])

/** Walks the tokens of one statement for the recursive-descent parser. */
export class TokenCursor {
  private index = 0

  constructor(private readonly tokens: readonly SqlToken[]) {}

  /** The token `ahead` positions on, if any. */
  peek(ahead = 0): SqlToken | undefined {
    return this.tokens[this.index + ahead]
  }

  /** Moves past the current token and returns it. */
  next(): SqlToken {
    const token = this.tokens[this.index]
    if (!token) this.fail()
    this.index++
    return token
  }

  /** Whether every token was consumed. */
  atEnd(): boolean {
    return this.index >= this.tokens.length
  }

  /** Whether the token `ahead` positions on is one of `words` (case-insensitive). */
  isWord(words: readonly string[], ahead = 0): boolean {
    const token = this.peek(ahead)
    return token?.kind === 'word' && words.includes(token.text.toUpperCase())
  }

  /** Consumes the current token when it is one of `words`; returns it upper-cased. */
  acceptWord(...words: string[]): string | undefined {
    if (!this.isWord(words)) return undefined
    return this.next().text.toUpperCase()
  }

  /** Consumes one of `words` or fails with error 102. */
  expectWord(...words: string[]): string {
    return this.acceptWord(...words) ?? this.fail()
  }

  /** Whether the token `ahead` positions on is the punctuation `text`. */
  isPunct(text: string, ahead = 0): boolean {
    const token = this.peek(ahead)
    return token?.kind === 'punct' && token.text === text
  }

  /** Consumes the punctuation `text` when it is the current token. */
  acceptPunct(text: string): boolean {
    if (!this.isPunct(text)) return false
    this.index++
    return true
  }

  /** Consumes the punctuation `text` or fails with error 102. */
  expectPunct(text: string): void {
    if (!this.acceptPunct(text)) this.fail()
  }

  /** Whether the current token can be an identifier. */
  isIdentifier(ahead = 0): boolean {
    const token = this.peek(ahead)
    return (
      token?.kind === 'quoted' ||
      (token?.kind === 'word' && !reserved.has(token.text.toUpperCase()))
    )
  }

  /** A `[quoted]`, `"quoted"` or bare identifier. */
  identifier(): string {
    if (!this.isIdentifier()) this.fail()
    const token = this.next()
    return token.kind === 'quoted' ? token.name : token.text
  }

  /**
   * A string literal. Parameters are refused, as SQL Server refuses a variable where its grammar
   * wants a literal (CREATE LOGIN … PASSWORD = @p is a syntax error there too).
   */
  stringLiteral(): string {
    const token = this.peek()
    if (token?.kind !== 'string') this.fail()
    this.index++
    return token.value
  }

  /** Throws unless every token was consumed. */
  expectEnd(): void {
    if (!this.atEnd()) this.fail()
  }

  /** Throws error 102 near the current token (or the last one at the end). */
  fail(): never {
    const token = this.tokens[Math.min(this.index, this.tokens.length - 1)]
    throw sqlErrors.syntax(token?.text ?? '')
  }
}
