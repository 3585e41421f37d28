import { DatabaseEngineError } from './database-engine-error.js'

/** What was being done when a driver error happened, for a message that helps without leaking. */
export interface DriverErrorContext {
  /** e.g. `'setPassword'` */
  operation: string
  account?: string
  /** The failed statement carried a password: the server's message must not be repeated. */
  secret: boolean
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
])

/**
 * Turns a mysql2 or pg error into a {@link DatabaseEngineError} that holds only safe fields: the
 * error number / SQLSTATE, and the server's own message when the statement had no password in it.
 * The driver error is deliberately dropped (mysql2 errors carry the statement in `sql`).
 */
export function wrapDriverError(error: unknown, context: DriverErrorContext): DatabaseEngineError {
  if (error instanceof DatabaseEngineError) return error
  const fields = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown
    errno?: unknown
    sqlMessage?: unknown
    message?: unknown
    severity?: unknown
    number?: unknown
    class?: unknown
  }
  const isMysqlServerError =
    typeof fields.sqlMessage === 'string' && typeof fields.errno === 'number'
  // pg's DatabaseError has a 5-character SQLSTATE code and a severity.
  const isPgServerError =
    typeof fields.severity === 'string' &&
    typeof fields.code === 'string' &&
    fields.code.length === 5
  // tedious's RequestError carries the server's error number and severity class.
  const isTdsServerError = typeof fields.number === 'number' && typeof fields.class === 'number'
  const serverCode = isMysqlServerError
    ? String(fields.errno)
    : isPgServerError
      ? (fields.code as string)
      : isTdsServerError
        ? String(fields.number)
        : undefined
  const where = `${context.operation}${context.account ? ` for account "${context.account}"` : ''}`

  if (serverCode === undefined) {
    const code = typeof fields.code === 'string' ? fields.code : undefined
    const message = typeof fields.message === 'string' ? fields.message : ''
    const unavailable =
      (code !== undefined && NETWORK_CODES.has(code)) ||
      /timeout|timed out|terminated|closed/i.test(message)
    // Client-side errors (network, timeouts) never contain statement text, only host:port.
    return new DatabaseEngineError(
      unavailable ? 'DATABASE_UNAVAILABLE' : 'DATABASE_ERROR',
      `${where} failed: ${code ?? 'driver error'}${unavailable && message ? ` (${message})` : ''}`,
    )
  }
  const serverMessage = isMysqlServerError ? fields.sqlMessage : fields.message
  const detail = context.secret ? '' : `: ${String(serverMessage)}`
  return new DatabaseEngineError(
    'DATABASE_ERROR',
    `${where} failed with server error ${serverCode}${detail}`,
    serverCode,
  )
}
