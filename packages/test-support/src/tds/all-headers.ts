import { TdsProtocolError } from './tds-protocol-error.js'

/** What ALL_HEADERS carried. */
export interface AllHeaders {
  /** The 8-byte transaction descriptor of the request (zeros outside a transaction). */
  transactionDescriptor: Buffer | undefined
  /** Where the request body starts. */
  bodyOffset: number
}

const TXN_DESCRIPTOR = 0x0002

/**
 * Reads the ALL_HEADERS block that starts SQL_BATCH, RPC and TRANSACTION_MANAGER requests from
 * TDS 7.2 on: a 4-byte total length, then headers of (4-byte length, 2-byte type, data).
 *
 * @throws TdsProtocolError when the lengths do not add up
 */
export function readAllHeaders(payload: Buffer): AllHeaders {
  if (payload.length < 4) throw new TdsProtocolError('request without ALL_HEADERS')
  const total = payload.readUInt32LE(0)
  if (total < 4 || total > payload.length) throw new TdsProtocolError('bad ALL_HEADERS length')
  let transactionDescriptor: Buffer | undefined
  for (let at = 4; at < total; ) {
    if (at + 6 > total) throw new TdsProtocolError('truncated ALL_HEADERS')
    const length = payload.readUInt32LE(at)
    const type = payload.readUInt16LE(at + 4)
    if (length < 6 || at + length > total) throw new TdsProtocolError('bad header length')
    if (type === TXN_DESCRIPTOR && length >= 6 + 8) {
      transactionDescriptor = Buffer.from(payload.subarray(at + 6, at + 14))
    }
    at += length
  }
  return { transactionDescriptor, bodyOffset: total }
}
