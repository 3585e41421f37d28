import { TdsProtocolError } from './tds-protocol-error.js'

/**
 * Reads TDS fields from a message payload, front to back. Every read checks the bounds first and
 * throws {@link TdsProtocolError} when the payload is too short, so a truncated or lying client
 * message can never read past its end.
 */
export class ByteReader {
  /** Position of the next read. */
  offset: number

  constructor(
    readonly buffer: Buffer,
    offset = 0,
  ) {
    this.offset = offset
  }

  /** Bytes left after {@link offset}. */
  get remaining(): number {
    return this.buffer.length - this.offset
  }

  private take(length: number): number {
    if (length < 0 || this.offset + length > this.buffer.length) {
      throw new TdsProtocolError(
        `truncated message: ${length} bytes wanted at ${this.offset} of ${this.buffer.length}`,
      )
    }
    const at = this.offset
    this.offset += length
    return at
  }

  /** An unsigned byte. */
  u8(): number {
    return this.buffer.readUInt8(this.take(1))
  }

  /** An unsigned 16-bit little-endian integer (USHORT). */
  u16le(): number {
    return this.buffer.readUInt16LE(this.take(2))
  }

  /** A signed 16-bit little-endian integer. */
  i16le(): number {
    return this.buffer.readInt16LE(this.take(2))
  }

  /** An unsigned 24-bit little-endian integer (DATE days). */
  u24le(): number {
    const at = this.take(3)
    return this.buffer.readUIntLE(at, 3)
  }

  /** An unsigned 32-bit little-endian integer (ULONG). */
  u32le(): number {
    return this.buffer.readUInt32LE(this.take(4))
  }

  /** A signed 32-bit little-endian integer (LONG). */
  i32le(): number {
    return this.buffer.readInt32LE(this.take(4))
  }

  /** An unsigned 64-bit little-endian integer (ULONGLONG). */
  u64le(): bigint {
    return this.buffer.readBigUInt64LE(this.take(8))
  }

  /** A signed 64-bit little-endian integer. */
  i64le(): bigint {
    return this.buffer.readBigInt64LE(this.take(8))
  }

  /** A little-endian IEEE 754 single. */
  f32le(): number {
    return this.buffer.readFloatLE(this.take(4))
  }

  /** A little-endian IEEE 754 double. */
  f64le(): number {
    return this.buffer.readDoubleLE(this.take(8))
  }

  /** `length` raw bytes (a view, not a copy). */
  bytes(length: number): Buffer {
    const at = this.take(length)
    return this.buffer.subarray(at, at + length)
  }

  /** `chars` UCS-2 characters. */
  ucs2(chars: number): string {
    return this.bytes(chars * 2).toString('utf16le')
  }

  /** B_VARCHAR: a 1-byte character count, then UCS-2. */
  bVarChar(): string {
    return this.ucs2(this.u8())
  }

  /** US_VARCHAR: a 2-byte character count, then UCS-2. */
  usVarChar(): string {
    return this.ucs2(this.u16le())
  }
}
