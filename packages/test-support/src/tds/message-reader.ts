import { HEADER_LENGTH, MAX_PACKET_SIZE, PacketStatus, PacketType } from './packet.js'
import { TdsProtocolError } from './tds-protocol-error.js'

/** One client message, reassembled from its packets. */
export interface TdsMessage {
  /** Packet type of the message ({@link PacketType}). */
  type: number
  /** The status bits of all its packets OR-ed together (RESETCONNECTION sits on the first, IGNORE on the last). */
  status: number
  /** The payload of all packets, concatenated. */
  payload: Buffer
}

/** A request larger than this is taken for garbage rather than buffered. */
const MAX_MESSAGE_SIZE = 64 * 1024 * 1024

const knownTypes = new Set<number>(Object.values(PacketType))

/**
 * Cuts a client byte stream into TDS messages. Headers are checked as soon as they arrive (known
 * type, sane length), so a client that sends something else (an HTTP request, a TLS
 * ClientHello) is rejected at once instead of being waited on.
 */
export class MessageReader {
  private pending: Buffer = Buffer.alloc(0)
  private parts: Buffer[] = []
  private partsLength = 0
  private type: number | undefined
  private status = 0

  /**
   * Adds received bytes; returns the messages they complete.
   *
   * @throws TdsProtocolError on a malformed packet header or an oversized message
   */
  push(chunk: Buffer): TdsMessage[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    const messages: TdsMessage[] = []
    while (this.pending.length >= HEADER_LENGTH) {
      const type = this.pending.readUInt8(0)
      const status = this.pending.readUInt8(1)
      const length = this.pending.readUInt16BE(2)
      if (!knownTypes.has(type)) {
        throw new TdsProtocolError(`unknown packet type 0x${type.toString(16)}`)
      }
      if (length < HEADER_LENGTH || length > MAX_PACKET_SIZE + 1) {
        throw new TdsProtocolError(`bad packet length ${length}`)
      }
      if (this.type !== undefined && type !== this.type) {
        // Packets of two messages never interleave in TDS, attentions included.
        throw new TdsProtocolError('packet type changed in the middle of a message')
      }
      if (this.pending.length < length) break
      const data = this.pending.subarray(HEADER_LENGTH, length)
      this.pending = this.pending.subarray(length)
      this.type = type
      this.status |= status
      this.parts.push(data)
      this.partsLength += data.length
      if (this.partsLength > MAX_MESSAGE_SIZE) {
        throw new TdsProtocolError('message too large')
      }
      if ((status & PacketStatus.EOM) !== 0) {
        messages.push({
          type,
          status: this.status,
          payload: this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts),
        })
        this.parts = []
        this.partsLength = 0
        this.type = undefined
        this.status = 0
      }
    }
    return messages
  }
}
