import { sqlErrors } from './sql-error.js'
import type { SqlToken } from './sql-lexer.js'
import type { SqlValue } from './sql-value.js'

/**
 * Replaces every `@name` token by a value token holding the parameter's value (by lower-case
 * name, `@` included), so statements see parameters as literals of their own type. The value
 * token keeps the `@name` text: where SQL Server's grammar refuses a variable (CREATE LOGIN …
 * PASSWORD = @p), the parser refuses it too, with "Incorrect syntax near '@p'".
 *
 * @throws SqlError 137 for a variable that is not a parameter (there is no DECLARE)
 */
export function bindParameters(
  tokens: readonly SqlToken[],
  parameters: ReadonlyMap<string, SqlValue>,
): SqlToken[] {
  return tokens.map((token) => {
    if (token.kind !== 'variable') return token
    const key = token.text.toLowerCase()
    if (!parameters.has(key)) throw sqlErrors.undeclaredVariable(token.text)
    return { kind: 'value', text: token.text, value: parameters.get(key) ?? null, lineStart: false }
  })
}
