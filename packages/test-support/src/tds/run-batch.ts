import { bindParameters } from './bind-parameters.js'
import { executeStatement } from './execute-statement.js'
import { parseStatement } from './parse-statement.js'
import type { ExecutionContext } from './server-context.js'
import { splitStatements } from './split-statements.js'
import type { Statement } from './sql-ast.js'
import { SqlError } from './sql-error.js'
import { tokenize } from './sql-lexer.js'
import type { SqlValue } from './sql-value.js'
import { DoneStatus, doneToken, messageToken, returnStatusToken, TokenType } from './tokens.js'

/** How {@link runBatch} runs. */
export interface RunOptions {
  /** Parameter values by lower-case `@name` (sp_executesql); none for a SQL batch. */
  parameters?: ReadonlyMap<string, SqlValue>
  /**
   * Inside sp_executesql: statements end with DONEINPROC, the whole with RETURNSTATUS and
   * DONEPROC, as SQL Server answers an RPC. Otherwise each statement ends with DONE.
   */
  inProcedure?: boolean
  /** Tokens to send just before RETURNSTATUS/DONEPROC (inside a procedure only). */
  epilogue?: () => Buffer[]
}

/** The ERROR token for a failure. */
export function errorToken(error: SqlError, context: Pick<ExecutionContext, 'server'>): Buffer {
  return messageToken({
    number: error.number,
    state: error.state,
    severity: error.severity,
    message: error.message,
    serverName: context.server.serverName,
  })
}

/**
 * Runs T-SQL text and returns the response tokens. The whole batch is parsed first, so a syntax
 * error anywhere runs nothing (as SQL Server compiles a batch before running it); a failing
 * statement then ends the batch with ERROR + DONE(ERROR). Each statement's DONE carries
 * DONE_MORE except the last, and DONE_COUNT when it returned rows. A cancelled batch (ATTENTION)
 * stops where it is and ends with a plain final DONE; the caller sends the acknowledgement.
 */
export async function runBatch(
  sql: string,
  context: ExecutionContext,
  options: RunOptions = {},
): Promise<Buffer[]> {
  const inProcedure = options.inProcedure ?? false
  const statementDone = inProcedure ? TokenType.DONEINPROC : TokenType.DONE
  const tokens: Buffer[] = []
  const finish = (status: number) => {
    if (!inProcedure) return [...tokens, doneToken(TokenType.DONE, status)]
    const returnStatus = (status & DoneStatus.ERROR) === 0 ? [returnStatusToken(0)] : []
    const epilogue = options.epilogue?.() ?? []
    return [...tokens, ...epilogue, ...returnStatus, doneToken(TokenType.DONEPROC, status)]
  }
  let statements: Statement[]
  try {
    const lexed = bindParameters(tokenize(sql), options.parameters ?? new Map())
    statements = splitStatements(lexed).map(parseStatement)
  } catch (error) {
    if (!(error instanceof SqlError)) throw error
    tokens.push(errorToken(error, context))
    return finish(DoneStatus.ERROR)
  }
  for (const [index, statement] of statements.entries()) {
    if (context.signal.aborted) return finish(DoneStatus.FINAL)
    try {
      const result = await executeStatement(statement, context)
      const last = index === statements.length - 1
      const more = !last || inProcedure ? DoneStatus.MORE : 0
      const count = result.rowCount === undefined ? 0 : DoneStatus.COUNT
      // In a plain batch the last statement's DONE is the final one.
      const type = last && !inProcedure ? TokenType.DONE : statementDone
      tokens.push(...result.tokens, doneToken(type, more | count, result.curCmd, result.rowCount))
    } catch (error) {
      if (context.signal.aborted) return finish(DoneStatus.FINAL)
      if (!(error instanceof SqlError)) throw error
      tokens.push(errorToken(error, context))
      return finish(DoneStatus.ERROR)
    }
  }
  if (!inProcedure && statements.length > 0) return tokens
  return finish(DoneStatus.FINAL)
}
