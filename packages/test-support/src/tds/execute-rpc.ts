import { procedureNames, type RpcRequest } from './rpc-request.js'
import { errorToken, runBatch } from './run-batch.js'
import type { ExecutionContext } from './server-context.js'
import { SqlError, sqlErrors } from './sql-error.js'
import type { SqlValue } from './sql-value.js'
import {
  DoneStatus,
  doneToken,
  EnvChangeType,
  envChangeToken,
  returnStatusToken,
  TokenType,
} from './tokens.js'

/** `sys.sp_executesql`, `[master]..[sp_executesql]` → `sp_executesql`. */
function bareName(procedure: string | number): string {
  if (typeof procedure === 'number') return procedureNames[procedure] ?? `#${procedure}`
  const last = procedure.split('.').pop() ?? procedure
  return last.replace(/^\[|\]$/g, '')
}

/** The parameter names of an sp_executesql declaration list, `@a int, @b nvarchar(10) OUTPUT`. */
function declaredNames(declarations: string): string[] {
  return [...declarations.matchAll(/(@[\w@$#]+)\s+[\w[]/g)].map((match) => match[1]!.toLowerCase())
}

function failure(error: SqlError, context: ExecutionContext): Buffer[] {
  return [errorToken(error, context), doneToken(TokenType.DONEPROC, DoneStatus.ERROR)]
}

async function executeSql(request: RpcRequest, context: ExecutionContext): Promise<Buffer[]> {
  const [statement, declarations, ...values] = request.parameters
  if (!statement || typeof statement.value !== 'string') {
    throw new SqlError(
      214,
      16,
      "Procedure expects parameter '@statement' of type 'ntext/nchar/nvarchar'.",
    )
  }
  const declared =
    declarations && typeof declarations.value === 'string' ? declaredNames(declarations.value) : []
  const parameters = new Map<string, SqlValue>()
  values.forEach((parameter, index) => {
    const name = parameter.name === '' ? declared[index] : parameter.name.toLowerCase()
    if (name !== undefined) parameters.set(name, parameter.value)
  })
  for (const name of declared) {
    if (!parameters.has(name)) {
      throw new SqlError(
        8178,
        16,
        `The parameterized query '(${String(declarations?.value)})${statement.value.slice(0, 50)}' expects the parameter '${name}', which was not supplied.`,
      )
    }
  }
  // A USE inside sp_executesql lasts until the end of the call, as on SQL Server.
  const { session } = context
  const database = session.database
  const epilogue = () => {
    if (session.database === database) return []
    const changed = session.database
    session.database = database
    return [envChangeToken(EnvChangeType.DATABASE, database, changed)]
  }
  return runBatch(statement.value, context, { parameters, inProcedure: true, epilogue })
}

/**
 * Answers an RPC request: `sp_executesql` (by ProcID 10 or by name) runs its statement with the
 * parameters bound as literals; `sp_reset_connection` is accepted; every other procedure does not
 * exist here (error 2812), sp_prepare/sp_execute included.
 *
 * @param reset - resets the session, for sp_reset_connection
 */
export async function executeRpc(
  request: RpcRequest,
  context: ExecutionContext,
  reset: () => Buffer[],
): Promise<Buffer[]> {
  const name = bareName(request.procedure)
  try {
    switch (name.toLowerCase()) {
      case 'sp_executesql':
        return await executeSql(request, context)
      case 'sp_reset_connection':
        return [...reset(), returnStatusToken(0), doneToken(TokenType.DONEPROC, DoneStatus.FINAL)]
      default:
        throw sqlErrors.noSuchProcedure(name)
    }
  } catch (error) {
    if (!(error instanceof SqlError)) throw error
    return failure(error, context)
  }
}
