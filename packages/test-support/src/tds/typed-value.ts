import type { ByteReader } from './byte-reader.js'
import { sqlErrors } from './sql-error.js'
import type { SqlValue } from './sql-value.js'

/** A decoded RPC parameter value, with the name of its TDS type for messages. */
export interface TypedValue {
  value: SqlValue
  /** The TDS type, e.g. `'NVARCHAR'`. */
  typeName: string
}

const PLP_NULL = 0xffff_ffff_ffff_ffffn
const DAY_MS = 86_400_000
/** Milliseconds from 1970-01-01 back to 0001-01-01 and to 1900-01-01. */
const EPOCH_0001 = -62_135_596_800_000
const EPOCH_1900 = -2_208_988_800_000

const pad = (value: number, width = 2) => String(value).padStart(width, '0')

function dateText(days: number, epoch: number): string {
  return new Date(epoch + days * DAY_MS).toISOString().slice(0, 10)
}

/** `HH:MM:SS[.fraction]` from a count of 10^-scale second units since midnight. */
function timeText(units: bigint, scale: number): string {
  const perSecond = 10n ** BigInt(scale)
  const seconds = Number(units / perSecond)
  const fraction = units % perSecond
  const base = `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`
  return scale > 0 ? `${base}.${fraction.toString().padStart(scale, '0')}` : base
}

function readTime(reader: ByteReader, length: number): bigint {
  let units = 0n
  const bytes = reader.bytes(length)
  for (let index = length - 1; index >= 0; index--) units = (units << 8n) | BigInt(bytes[index]!)
  return units
}

function readDateTime(reader: ByteReader, length: number): string {
  if (length === 4) {
    const days = reader.u16le()
    const minutes = reader.u16le()
    return `${dateText(days, EPOCH_1900)} ${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}:00`
  }
  const days = reader.i32le()
  const ticks = reader.u32le()
  const ms = Math.round((ticks * 10) / 3)
  return new Date(EPOCH_1900 + days * DAY_MS + ms).toISOString().slice(0, 23).replace('T', ' ')
}

function readMoney(reader: ByteReader, length: number): number {
  if (length === 4) return reader.i32le() / 10_000
  const high = reader.i32le()
  const low = reader.u32le()
  return Number((BigInt(high) << 32n) | BigInt(low)) / 10_000
}

function readInteger(reader: ByteReader, length: number): number | bigint {
  switch (length) {
    case 1:
      return reader.u8()
    case 2:
      return reader.i16le()
    case 4:
      return reader.i32le()
    case 8: {
      const value = reader.i64le()
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value)
        : value
    }
    default:
      throw sqlErrors.badRpc(`Invalid length ${length} for an integer.`)
  }
}

function readDecimal(reader: ByteReader, scale: number): number | null {
  const length = reader.u8()
  if (length === 0) return null
  const sign = reader.u8()
  const magnitude = reader.bytes(length - 1)
  let units = 0n
  for (let index = magnitude.length - 1; index >= 0; index--) {
    units = (units << 8n) | BigInt(magnitude[index]!)
  }
  const digits = units.toString().padStart(scale + 1, '0')
  const text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits
  return Number(sign === 0 ? `-${text}` : text)
}

function guidText(bytes: Buffer): string {
  const hex = (from: number, to: number, reverse: boolean) => {
    const part = Buffer.from(bytes.subarray(from, to))
    return (reverse ? part.reverse() : part).toString('hex')
  }
  return [hex(0, 4, true), hex(4, 6, true), hex(6, 8, true), hex(8, 10, false), hex(10, 16, false)]
    .join('-')
    .toUpperCase()
}

/** A PLP (MAX) value: 8-byte total length (all ones for NULL), chunks, a zero-length terminator. */
function readPlp(reader: ByteReader): Buffer | null {
  const total = reader.u64le()
  if (total === PLP_NULL) return null
  const chunks: Buffer[] = []
  for (;;) {
    const length = reader.u32le()
    if (length === 0) break
    chunks.push(reader.bytes(length))
  }
  return Buffer.concat(chunks)
}

/** The bytes of a USHORT-length value (0xFFFF for NULL), or of a PLP one for (MAX) types. */
function readVariableBytes(reader: ByteReader, maxLength: number): Buffer | null {
  if (maxLength === 0xffff) return readPlp(reader)
  const length = reader.u16le()
  return length === 0xffff ? null : reader.bytes(length)
}

/**
 * Reads one TYPE_INFO + value pair of an RPC parameter (MS-TDS 2.2.5.5). Integer, bit, float,
 * money, decimal/numeric, character, binary, date/time and uniqueidentifier types are decoded;
 * date/time values and GUIDs become strings, as this server has no such column types.
 *
 * @throws SqlError 8016 on a type it does not know (TVP, UDT, sql_variant, …) or a bad length
 */
export function readTypedValue(reader: ByteReader): TypedValue {
  const type = reader.u8()
  switch (type) {
    case 0x1f:
      return { value: null, typeName: 'NULL' }
    case 0x30:
      return { value: reader.u8(), typeName: 'TINYINT' }
    case 0x32:
      return { value: reader.u8() !== 0, typeName: 'BIT' }
    case 0x34:
      return { value: reader.i16le(), typeName: 'SMALLINT' }
    case 0x38:
      return { value: reader.i32le(), typeName: 'INT' }
    case 0x7f:
      return { value: readInteger(reader, 8), typeName: 'BIGINT' }
    case 0x3b:
      return { value: reader.f32le(), typeName: 'REAL' }
    case 0x3e:
      return { value: reader.f64le(), typeName: 'FLOAT' }
    case 0x7a:
      return { value: readMoney(reader, 4), typeName: 'SMALLMONEY' }
    case 0x3c:
      return { value: readMoney(reader, 8), typeName: 'MONEY' }
    case 0x3a:
      return { value: readDateTime(reader, 4), typeName: 'SMALLDATETIME' }
    case 0x3d:
      return { value: readDateTime(reader, 8), typeName: 'DATETIME' }
    case 0x26: {
      reader.u8()
      const length = reader.u8()
      return { value: length === 0 ? null : readInteger(reader, length), typeName: 'INTN' }
    }
    case 0x68: {
      reader.u8()
      const length = reader.u8()
      return { value: length === 0 ? null : reader.bytes(length)[0] !== 0, typeName: 'BITN' }
    }
    case 0x6d: {
      reader.u8()
      const length = reader.u8()
      const value = length === 0 ? null : length === 4 ? reader.f32le() : reader.f64le()
      return { value, typeName: 'FLTN' }
    }
    case 0x6e: {
      reader.u8()
      const length = reader.u8()
      return { value: length === 0 ? null : readMoney(reader, length), typeName: 'MONEYN' }
    }
    case 0x6f: {
      reader.u8()
      const length = reader.u8()
      return { value: length === 0 ? null : readDateTime(reader, length), typeName: 'DATETIMN' }
    }
    case 0x24: {
      reader.u8()
      const length = reader.u8()
      return {
        value: length === 0 ? null : guidText(reader.bytes(length)),
        typeName: 'UNIQUEIDENTIFIER',
      }
    }
    case 0x37:
    case 0x3f:
    case 0x6a:
    case 0x6c: {
      reader.u8() // maximum length
      reader.u8() // precision
      const scale = reader.u8()
      return { value: readDecimal(reader, scale), typeName: 'DECIMAL' }
    }
    case 0x28: {
      const length = reader.u8()
      return {
        value: length === 0 ? null : dateText(reader.u24le(), EPOCH_0001),
        typeName: 'DATE',
      }
    }
    case 0x29: {
      const scale = reader.u8()
      const length = reader.u8()
      return {
        value: length === 0 ? null : timeText(readTime(reader, length), scale),
        typeName: 'TIME',
      }
    }
    case 0x2a:
    case 0x2b: {
      const scale = reader.u8()
      const length = reader.u8()
      const typeName = type === 0x2a ? 'DATETIME2' : 'DATETIMEOFFSET'
      if (length === 0) return { value: null, typeName }
      const timeLength = length - (type === 0x2a ? 3 : 5)
      let units = readTime(reader, timeLength)
      let days = reader.u24le()
      if (type === 0x2a) {
        return { value: `${dateText(days, EPOCH_0001)} ${timeText(units, scale)}`, typeName }
      }
      // DATETIMEOFFSET stores UTC; shown in its own offset, as SQL Server shows it.
      const offset = reader.i16le()
      const perMinute = 60n * 10n ** BigInt(scale)
      const perDay = 1440n * perMinute
      units += BigInt(offset) * perMinute
      if (units < 0n) {
        units += perDay
        days -= 1
      } else if (units >= perDay) {
        units -= perDay
        days += 1
      }
      const sign = offset < 0 ? '-' : '+'
      const abs = Math.abs(offset)
      const zone = `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
      return {
        value: `${dateText(days, EPOCH_0001)} ${timeText(units, scale)} ${zone}`,
        typeName,
      }
    }
    case 0xa7:
    case 0xaf:
    case 0xe7:
    case 0xef: {
      const maxLength = reader.u16le()
      reader.bytes(5) // collation
      const bytes = readVariableBytes(reader, maxLength)
      const national = type === 0xe7 || type === 0xef
      // Code page 1252 (the server collation) is close enough to latin1 for test data.
      const value = bytes === null ? null : bytes.toString(national ? 'utf16le' : 'latin1')
      return { value, typeName: national ? 'NVARCHAR' : 'VARCHAR' }
    }
    case 0xa5:
    case 0xad: {
      const bytes = readVariableBytes(reader, reader.u16le())
      return { value: bytes === null ? null : Buffer.from(bytes), typeName: 'VARBINARY' }
    }
    case 0x23:
    case 0x63:
    case 0x22: {
      reader.u32le() // maximum length
      if (type !== 0x22) reader.bytes(5) // collation
      const length = reader.u32le()
      const bytes = length === 0xffff_ffff ? null : reader.bytes(length)
      const typeName = type === 0x23 ? 'TEXT' : type === 0x63 ? 'NTEXT' : 'IMAGE'
      if (bytes === null) return { value: null, typeName }
      if (type === 0x22) return { value: Buffer.from(bytes), typeName }
      return { value: bytes.toString(type === 0x63 ? 'utf16le' : 'latin1'), typeName }
    }
    case 0xf1: {
      if (reader.u8() === 1) {
        reader.bVarChar()
        reader.bVarChar()
        reader.usVarChar()
      }
      const bytes = readPlp(reader)
      return { value: bytes === null ? null : bytes.toString('utf16le'), typeName: 'XML' }
    }
    default:
      throw sqlErrors.badRpc(`Data type 0x${type.toString(16).toUpperCase()} is unknown.`)
  }
}
