import { ByteReader } from './byte-reader.js'
import { errorToken } from './run-batch.js'
import type { ExecutionContext } from './server-context.js'
import { SqlError, sqlErrors } from './sql-error.js'
import { DoneStatus, doneToken, TokenType } from './tokens.js'
import {
  beginTransaction,
  commitTransaction,
  rollbackTransaction,
  saveTransaction,
} from './transactions.js'

/** TRANSACTION_MANAGER request types (MS-TDS 2.2.6.9). */
const RequestType = {
  BEGIN_XACT: 5,
  COMMIT_XACT: 7,
  ROLLBACK_XACT: 8,
  SAVE_XACT: 9,
} as const

/**
 * A transaction name: tedious writes its length in bytes (the UCS-2 length), so it is read that
 * way, and never past the end of the message.
 */
function readName(reader: ByteReader): string {
  if (reader.remaining === 0) return ''
  const length = reader.u8()
  return reader.bytes(Math.min(length, reader.remaining)).toString('utf16le')
}

/** fBeginXact after COMMIT/ROLLBACK: begin a new transaction right away. */
function beginAfter(reader: ByteReader, context: ExecutionContext): Buffer[] {
  if (reader.remaining === 0 || reader.u8() !== 1) return []
  if (reader.remaining > 0) reader.u8() // isolation level: accepted, not enforced
  return beginTransaction(context, readName(reader))
}

/**
 * Answers a TRANSACTION_MANAGER request (tedious's beginTransaction, commitTransaction,
 * rollbackTransaction and saveTransaction, node-mssql's Transaction) with the transaction
 * ENVCHANGE and a DONE, or ERROR + DONE(ERROR). Promote and DTC requests fail with error 8004.
 *
 * @param payload - the message
 * @param offset - where the request starts, after ALL_HEADERS
 */
export function executeTransactionRequest(
  payload: Buffer,
  offset: number,
  context: ExecutionContext,
): Buffer[] {
  const reader = new ByteReader(payload, offset)
  try {
    const type = reader.u16le()
    let tokens: Buffer[]
    switch (type) {
      case RequestType.BEGIN_XACT:
        reader.u8() // isolation level: accepted, not enforced
        tokens = beginTransaction(context, readName(reader))
        break
      case RequestType.COMMIT_XACT:
        readName(reader)
        tokens = [...commitTransaction(context), ...beginAfter(reader, context)]
        break
      case RequestType.ROLLBACK_XACT:
        tokens = [...rollbackTransaction(context, readName(reader)), ...beginAfter(reader, context)]
        break
      case RequestType.SAVE_XACT:
        tokens = saveTransaction(context, readName(reader))
        break
      default:
        throw sqlErrors.unsupportedTransactionRequest(type)
    }
    return [...tokens, doneToken(TokenType.DONE, DoneStatus.FINAL)]
  } catch (error) {
    if (!(error instanceof SqlError)) throw error
    return [errorToken(error, context), doneToken(TokenType.DONE, DoneStatus.ERROR)]
  }
}
