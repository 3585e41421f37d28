/** TDS packet types (MS-TDS 2.2.3.1.1) this server knows about. */
export const PacketType = {
  SQL_BATCH: 0x01,
  RPC: 0x03,
  TABULAR_RESULT: 0x04,
  ATTENTION: 0x06,
  BULK_LOAD: 0x07,
  FEDAUTH_TOKEN: 0x08,
  TRANSACTION_MANAGER: 0x0e,
  LOGIN7: 0x10,
  SSPI: 0x11,
  PRELOGIN: 0x12,
} as const

/** Packet header status bits (MS-TDS 2.2.3.1.2). */
export const PacketStatus = {
  EOM: 0x01,
  IGNORE: 0x02,
  RESET_CONNECTION: 0x08,
  RESET_CONNECTION_SKIP_TRAN: 0x10,
} as const

/** Every packet starts with an 8-byte header. */
export const HEADER_LENGTH = 8

/** The packet size every connection starts with, until LOGIN7 negotiates another. */
export const DEFAULT_PACKET_SIZE = 4096

/** The largest packet size a client may negotiate (SQL Server's own limit). */
export const MAX_PACKET_SIZE = 32_767

/**
 * `payload` framed as one TDS message: packets of at most `packetSize` bytes (header included),
 * the last one with EOM. An empty payload still makes one packet, as clients wait for an EOM.
 *
 * @param type - the packet type, {@link PacketType.TABULAR_RESULT} for every server response
 * @param payload - the message body
 * @param packetSize - the negotiated packet size
 * @param spid - the session id the header carries
 */
export function encodeMessage(
  type: number,
  payload: Buffer,
  packetSize: number,
  spid: number,
): Buffer {
  const room = packetSize - HEADER_LENGTH
  const count = Math.max(1, Math.ceil(payload.length / room))
  const out = Buffer.alloc(payload.length + count * HEADER_LENGTH)
  let at = 0
  for (let index = 0; index < count; index++) {
    const chunk = payload.subarray(index * room, (index + 1) * room)
    out.writeUInt8(type, at)
    out.writeUInt8(index === count - 1 ? PacketStatus.EOM : 0, at + 1)
    out.writeUInt16BE(chunk.length + HEADER_LENGTH, at + 2)
    out.writeUInt16BE(spid & 0xffff, at + 4)
    // The packet id wraps at 256, as in SQL Server.
    out.writeUInt8((index + 1) % 256, at + 6)
    out.writeUInt8(0, at + 7)
    chunk.copy(out, at + HEADER_LENGTH)
    at += HEADER_LENGTH + chunk.length
  }
  return out
}
