/**
 * Writers for the response tokens this server sends (MS-TDS 2.2.7). Each returns the complete
 * token, type byte included; a response message is their concatenation.
 */

/** Token type bytes. */
export const TokenType = {
  RETURNSTATUS: 0x79,
  COLMETADATA: 0x81,
  ERROR: 0xaa,
  INFO: 0xab,
  LOGINACK: 0xad,
  ROW: 0xd1,
  ENVCHANGE: 0xe3,
  DONE: 0xfd,
  DONEPROC: 0xfe,
  DONEINPROC: 0xff,
} as const

/** DONE / DONEPROC / DONEINPROC status bits. */
export const DoneStatus = {
  FINAL: 0x00,
  MORE: 0x01,
  ERROR: 0x02,
  COUNT: 0x10,
  ATTN: 0x20,
} as const

/** ENVCHANGE types. */
export const EnvChangeType = {
  DATABASE: 1,
  LANGUAGE: 2,
  PACKET_SIZE: 4,
  SQL_COLLATION: 7,
  BEGIN_TRANSACTION: 8,
  COMMIT_TRANSACTION: 9,
  ROLLBACK_TRANSACTION: 10,
  RESET_CONNECTION: 18,
} as const

/** CurCmd of a DONE after a SELECT (SQL Server's own value; clients ignore it). */
export const CURCMD_SELECT = 0xc1

/**
 * The server collation, SQL_Latin1_General_CP1_CI_AS: LCID 0x0409, case- and accent-insensitive
 * flags, sort id 52 (code page 1252). tedious needs it (ENVCHANGE 7) to encode VARCHAR
 * parameters, and finds it in every NVARCHAR column's TYPE_INFO.
 */
export const SERVER_COLLATION = Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34])

/** B_VARCHAR: a 1-byte character count, then UCS-2 (names are cut at 255 characters). */
export function bVarChar(text: string): Buffer {
  const cut = text.slice(0, 255)
  const body = Buffer.from(cut, 'utf16le')
  return Buffer.concat([Buffer.from([cut.length]), body])
}

/** US_VARCHAR: a 2-byte character count, then UCS-2. */
function usVarChar(text: string): Buffer {
  const cut = text.slice(0, 0xffff)
  const head = Buffer.alloc(2)
  head.writeUInt16LE(cut.length, 0)
  return Buffer.concat([head, Buffer.from(cut, 'utf16le')])
}

/** B_VARBYTE: a 1-byte length, then the bytes. */
function bVarByte(bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from([bytes.length]), bytes])
}

/** A token with a 2-byte length after its type byte. */
function withLength(type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(3)
  head.writeUInt8(type, 0)
  head.writeUInt16LE(body.length, 1)
  return Buffer.concat([head, body])
}

/**
 * ENVCHANGE. String values (database, language, packet size) travel as B_VARCHAR, binary ones
 * (collation, transaction descriptors) as B_VARBYTE, as the type requires.
 */
export function envChangeToken(
  type: number,
  newValue: string | Buffer,
  oldValue: string | Buffer,
): Buffer {
  const encode = (value: string | Buffer) =>
    typeof value === 'string' ? bVarChar(value) : bVarByte(value)
  return withLength(
    TokenType.ENVCHANGE,
    Buffer.concat([Buffer.from([type]), encode(newValue), encode(oldValue)]),
  )
}

/** A message sent as an ERROR or INFO token. */
export interface ServerMessage {
  number: number
  state: number
  /** Severity ("class"): 0–10 are informational, 11 and above errors. */
  severity: number
  message: string
  serverName: string
  procName?: string
  lineNumber?: number
}

/** ERROR (severity above 10) or INFO token. */
export function messageToken(message: ServerMessage): Buffer {
  const head = Buffer.alloc(6)
  head.writeUInt32LE(message.number, 0)
  head.writeUInt8(message.state, 4)
  head.writeUInt8(message.severity, 5)
  const line = Buffer.alloc(4)
  line.writeUInt32LE(message.lineNumber ?? 1, 0)
  return withLength(
    message.severity > 10 ? TokenType.ERROR : TokenType.INFO,
    Buffer.concat([
      head,
      usVarChar(message.message),
      bVarChar(message.serverName),
      bVarChar(message.procName ?? ''),
      line,
    ]),
  )
}

/**
 * LOGINACK. tedious reads the TDS version big-endian and rejects a login whose version it does
 * not know (`ETDS`) or whose interface byte is not 0 or 1 (`EINTERFACENOTSUPP`).
 */
export function loginAckToken(
  tdsVersion: number,
  progName: string,
  version: readonly [number, number, number],
): Buffer {
  const [major, minor, build] = version
  const head = Buffer.alloc(5)
  head.writeUInt8(1, 0) // SQL_TSQL
  head.writeUInt32BE(tdsVersion >>> 0, 1)
  return withLength(
    TokenType.LOGINACK,
    Buffer.concat([
      head,
      bVarChar(progName),
      Buffer.from([major, minor, build >> 8, build & 0xff]),
    ]),
  )
}

/** DONE, DONEPROC or DONEINPROC; the row count is 8 bytes from TDS 7.2 on. */
export function doneToken(
  type: number,
  status: number,
  curCmd = 0,
  rowCount: number | bigint = 0,
): Buffer {
  const token = Buffer.alloc(13)
  token.writeUInt8(type, 0)
  token.writeUInt16LE(status, 1)
  token.writeUInt16LE(curCmd, 3)
  token.writeBigUInt64LE(BigInt(rowCount), 5)
  return token
}

/** RETURNSTATUS, the return value of a stored procedure. */
export function returnStatusToken(value: number): Buffer {
  const token = Buffer.alloc(5)
  token.writeUInt8(TokenType.RETURNSTATUS, 0)
  token.writeInt32LE(value, 1)
  return token
}
