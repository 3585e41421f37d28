import { TdsProtocolError } from './tds-protocol-error.js'

/** PRELOGIN option tokens (MS-TDS 2.2.6.5). */
const Option = {
  VERSION: 0x00,
  ENCRYPTION: 0x01,
  INSTOPT: 0x02,
  THREADID: 0x03,
  MARS: 0x04,
  TERMINATOR: 0xff,
} as const

/** ENCRYPTION values. */
export const Encryption = { OFF: 0x00, ON: 0x01, NOT_SUP: 0x02, REQ: 0x03 } as const

/** The options of a client's PRELOGIN this server looks at. */
export interface PreloginRequest {
  /** The client's ENCRYPTION option, when it sent one. */
  encryption: number | undefined
}

/**
 * Parses a PRELOGIN request: the option table must end with a terminator and every option's data
 * must lie inside the payload.
 *
 * @throws TdsProtocolError otherwise
 */
export function parsePrelogin(payload: Buffer): PreloginRequest {
  let encryption: number | undefined
  for (let at = 0; ; at += 5) {
    if (at >= payload.length) throw new TdsProtocolError('PRELOGIN without terminator')
    const token = payload.readUInt8(at)
    if (token === Option.TERMINATOR) break
    if (at + 5 > payload.length) throw new TdsProtocolError('truncated PRELOGIN option')
    const offset = payload.readUInt16BE(at + 1)
    const length = payload.readUInt16BE(at + 3)
    if (offset + length > payload.length) throw new TdsProtocolError('PRELOGIN option out of range')
    if (token === Option.ENCRYPTION && length >= 1) encryption = payload.readUInt8(offset)
  }
  return { encryption }
}

/** What the server announces in its PRELOGIN response. */
export interface PreloginResponseOptions {
  /** Server version: major, minor, build. */
  version: readonly [number, number, number]
  /** Announced in THREADID (informational). */
  threadId: number
}

/**
 * The PRELOGIN response: VERSION, ENCRYPTION = NOT_SUP (this server has no TLS, and clients then
 * go on in clear text even with `encrypt: true`), INSTOPT = 0 (instance matches), THREADID, and
 * MARS = 0. FEDAUTHREQUIRED is left out, so clients never start Entra authentication.
 */
export function preloginResponse(options: PreloginResponseOptions): Buffer {
  const [major, minor, build] = options.version
  const version = Buffer.alloc(6)
  version.writeUInt8(major, 0)
  version.writeUInt8(minor, 1)
  version.writeUInt16BE(build, 2)
  version.writeUInt16BE(0, 4)
  const threadId = Buffer.alloc(4)
  threadId.writeUInt32BE(options.threadId >>> 0, 0)
  const entries: Array<[number, Buffer]> = [
    [Option.VERSION, version],
    [Option.ENCRYPTION, Buffer.from([Encryption.NOT_SUP])],
    [Option.INSTOPT, Buffer.from([0x00])],
    [Option.THREADID, threadId],
    [Option.MARS, Buffer.from([0x00])],
  ]
  const table = Buffer.alloc(entries.length * 5 + 1)
  let dataOffset = table.length
  entries.forEach(([token, data], index) => {
    table.writeUInt8(token, index * 5)
    table.writeUInt16BE(dataOffset, index * 5 + 1)
    table.writeUInt16BE(data.length, index * 5 + 3)
    dataOffset += data.length
  })
  table.writeUInt8(Option.TERMINATOR, entries.length * 5)
  return Buffer.concat([table, ...entries.map(([, data]) => data)])
}
