import { ByteReader } from './byte-reader.js'
import { SqlError, sqlErrors } from './sql-error.js'
import type { SqlValue } from './sql-value.js'
import { TdsProtocolError } from './tds-protocol-error.js'
import { readTypedValue } from './typed-value.js'

/** One parameter of an RPC request. */
export interface RpcParameter {
  /** `@name` as sent, or `''` for a positional parameter. */
  name: string
  /** Sent BY REF (an OUTPUT parameter). */
  output: boolean
  value: SqlValue
  /** TDS type of the value, for messages. */
  typeName: string
}

/** An RPC request (MS-TDS 2.2.6.6) without its ALL_HEADERS. */
export interface RpcRequest {
  /** The procedure name, or the ProcID of a well-known procedure (10 = sp_executesql). */
  procedure: string | number
  parameters: RpcParameter[]
}

/** Well-known procedures clients call by ProcID instead of by name. */
export const procedureNames: Record<number, string> = {
  1: 'sp_cursor',
  2: 'sp_cursoropen',
  3: 'sp_cursorprepare',
  4: 'sp_cursorexecute',
  5: 'sp_cursorprepexec',
  6: 'sp_cursorunprepare',
  7: 'sp_cursorfetch',
  8: 'sp_cursoroption',
  9: 'sp_cursorclose',
  10: 'sp_executesql',
  11: 'sp_prepare',
  12: 'sp_execute',
  13: 'sp_prepexec',
  14: 'sp_prepexecrpc',
  15: 'sp_unprepare',
}

const BY_REF_VALUE = 0x01

/**
 * Parses the body of an RPC request from `offset` (just after ALL_HEADERS). Only one RPC per
 * message is supported: tedious and node-mssql never batch them.
 *
 * @throws SqlError 8016 when a parameter cannot be decoded (the session stays usable)
 * @throws TdsProtocolError when even the procedure name is unreadable
 */
export function parseRpcRequest(payload: Buffer, offset: number): RpcRequest {
  const reader = new ByteReader(payload, offset)
  const nameLength = reader.u16le()
  const procedure = nameLength === 0xffff ? reader.u16le() : reader.ucs2(nameLength)
  reader.u16le() // option flags
  const parameters: RpcParameter[] = []
  try {
    while (reader.remaining > 0) {
      const name = reader.bVarChar()
      const status = reader.u8()
      const { value, typeName } = readTypedValue(reader)
      parameters.push({ name, output: (status & BY_REF_VALUE) !== 0, value, typeName })
    }
  } catch (error) {
    if (error instanceof SqlError) throw error
    if (error instanceof TdsProtocolError) {
      throw sqlErrors.badRpc(`Parameter ${parameters.length + 1} is truncated.`)
    }
    throw error
  }
  return { procedure, parameters }
}
