import type { SqlValue } from './sql-value.js'
import { bVarChar, SERVER_COLLATION, TokenType } from './tokens.js'

/** Rows to send as COLMETADATA + ROW tokens. */
export interface ResultSet {
  /** Column names; an empty string for an unnamed expression, as SQL Server sends it. */
  columns: readonly string[]
  rows: readonly (readonly SqlValue[])[]
}

type ColumnKind = 'int' | 'bigint' | 'float' | 'bit' | 'nvarchar' | 'varbinary'

interface ColumnType {
  kind: ColumnKind
  /** NVARCHAR(MAX) / VARBINARY(MAX): values travel as PLP chunks. */
  max: boolean
}

const INTN = 0x26
const BITN = 0x68
const FLTN = 0x6d
const NVARCHAR = 0xe7
const BIGVARBINARY = 0xa5
const MAX_LENGTH = 0xffff
const PLP_NULL = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
const INT32_MIN = -2_147_483_648
const INT32_MAX = 2_147_483_647

/** The column type that holds every value of the column (the first non-NULL value decides). */
function columnType(values: readonly SqlValue[]): ColumnType {
  const present = values.filter((value) => value !== null)
  const first = present[0]
  if (first === undefined) return { kind: 'int', max: false }
  if (typeof first === 'string') {
    return { kind: 'nvarchar', max: present.some((value) => String(value).length > 4000) }
  }
  if (Buffer.isBuffer(first)) {
    return {
      kind: 'varbinary',
      max: present.some((value) => Buffer.isBuffer(value) && value.length > 8000),
    }
  }
  if (typeof first === 'boolean') return { kind: 'bit', max: false }
  if (present.some((value) => typeof value === 'number' && !Number.isInteger(value))) {
    return { kind: 'float', max: false }
  }
  const wide = present.some(
    (value) =>
      typeof value === 'bigint' ||
      (typeof value === 'number' && (value < INT32_MIN || value > INT32_MAX)),
  )
  return { kind: wide ? 'bigint' : 'int', max: false }
}

function typeInfo(type: ColumnType): Buffer {
  switch (type.kind) {
    case 'int':
      return Buffer.from([INTN, 4])
    case 'bigint':
      return Buffer.from([INTN, 8])
    case 'float':
      return Buffer.from([FLTN, 8])
    case 'bit':
      return Buffer.from([BITN, 1])
    case 'nvarchar': {
      const info = Buffer.alloc(8)
      info.writeUInt8(NVARCHAR, 0)
      info.writeUInt16LE(type.max ? MAX_LENGTH : 8000, 1)
      SERVER_COLLATION.copy(info, 3)
      return info
    }
    case 'varbinary': {
      const info = Buffer.alloc(3)
      info.writeUInt8(BIGVARBINARY, 0)
      info.writeUInt16LE(type.max ? MAX_LENGTH : 8000, 1)
      return info
    }
  }
}

/** A (MAX) value as PLP: total length, one chunk, terminator. */
function plp(bytes: Buffer): Buffer {
  const head = Buffer.alloc(12)
  head.writeBigUInt64LE(BigInt(bytes.length), 0)
  head.writeUInt32LE(bytes.length, 8)
  const parts = bytes.length > 0 ? [head, bytes] : [head.subarray(0, 8)]
  return Buffer.concat([...parts, Buffer.alloc(4)])
}

function shortBytes(bytes: Buffer): Buffer {
  const head = Buffer.alloc(2)
  head.writeUInt16LE(bytes.length, 0)
  return Buffer.concat([head, bytes])
}

function encodeValue(type: ColumnType, value: SqlValue): Buffer {
  if (value === null) {
    if (type.kind === 'nvarchar' || type.kind === 'varbinary') {
      return type.max ? PLP_NULL : Buffer.from([0xff, 0xff])
    }
    return Buffer.from([0])
  }
  switch (type.kind) {
    case 'int': {
      const out = Buffer.alloc(5)
      out.writeUInt8(4, 0)
      out.writeInt32LE(Number(value), 1)
      return out
    }
    case 'bigint': {
      const out = Buffer.alloc(9)
      out.writeUInt8(8, 0)
      out.writeBigInt64LE(BigInt(value as number | bigint), 1)
      return out
    }
    case 'float': {
      const out = Buffer.alloc(9)
      out.writeUInt8(8, 0)
      out.writeDoubleLE(Number(value), 1)
      return out
    }
    case 'bit':
      return Buffer.from([1, value ? 1 : 0])
    case 'nvarchar': {
      const bytes = Buffer.from(
        Buffer.isBuffer(value) ? value.toString() : String(value),
        'utf16le',
      )
      return type.max ? plp(bytes) : shortBytes(bytes)
    }
    case 'varbinary': {
      const bytes = Buffer.isBuffer(value) ? value : Buffer.from(String(value))
      return type.max ? plp(bytes) : shortBytes(bytes)
    }
  }
}

/** COLMETADATA followed by one ROW token per row. */
export function encodeResultSet(result: ResultSet): Buffer {
  const types = result.columns.map((_, index) =>
    columnType(result.rows.map((row) => row[index] ?? null)),
  )
  const head = Buffer.alloc(3)
  head.writeUInt8(TokenType.COLMETADATA, 0)
  head.writeUInt16LE(result.columns.length, 1)
  const parts: Buffer[] = [head]
  result.columns.forEach((name, index) => {
    // UserType 0, Flags: nullable.
    parts.push(Buffer.from([0, 0, 0, 0, 0x01, 0x00]), typeInfo(types[index]!), bVarChar(name))
  })
  for (const row of result.rows) {
    parts.push(Buffer.from([TokenType.ROW]))
    types.forEach((type, index) => {
      parts.push(encodeValue(type, row[index] ?? null))
    })
  }
  return Buffer.concat(parts)
}
