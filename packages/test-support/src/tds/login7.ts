import { ByteReader } from './byte-reader.js'
import { TdsProtocolError } from './tds-protocol-error.js'

/** What this server reads from a LOGIN7 message (MS-TDS 2.2.6.4). */
export interface Login7 {
  /** TDSVersion the client asks for, e.g. `0x74000004` for TDS 7.4. */
  tdsVersion: number
  /** Packet size the client asks for. */
  packetSize: number
  clientPid: number
  hostName: string
  userName: string
  /** The password, de-obfuscated. */
  password: string
  appName: string
  serverName: string
  libraryName: string
  language: string
  /** The database the client asks for; empty for the login's default database. */
  database: string
  /** Integrated authentication (SSPI/NTLM/Kerberos) was requested. */
  integratedSecurity: boolean
  /** Federated (Entra ID) authentication was requested in the FeatureExt block. */
  federatedAuthentication: boolean
}

/** Length of the fixed part of LOGIN7, up to and including cbSSPILong. */
const FIXED_LENGTH = 94

/** OptionFlags2 fIntSecurity. */
const INTEGRATED_SECURITY = 0x80

/** OptionFlags3 fExtension: ibExtension points at the FeatureExt offset. */
const EXTENSION_USED = 0x10

const FEATURE_FEDAUTH = 0x02
const FEATURE_TERMINATOR = 0xff

/**
 * Undoes the LOGIN7 password obfuscation: every byte had its nibbles swapped and was then XOR-ed
 * with 0xA5, so XOR first, then swap back.
 */
export function deobfuscatePassword(bytes: Buffer): string {
  const plain = Buffer.alloc(bytes.length)
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index]! ^ 0xa5
    plain[index] = ((byte & 0x0f) << 4) | (byte >> 4)
  }
  return plain.toString('utf16le')
}

/**
 * Parses a LOGIN7 payload. Every (offset, length) pair must lie inside the message.
 *
 * @throws TdsProtocolError when it does not, or the message is shorter than its fixed part
 */
export function parseLogin7(payload: Buffer): Login7 {
  if (payload.length < FIXED_LENGTH) throw new TdsProtocolError('LOGIN7 too short')
  const declared = payload.readUInt32LE(0)
  if (declared > payload.length || declared < FIXED_LENGTH) {
    throw new TdsProtocolError('LOGIN7 length does not match the message')
  }
  const field = (at: number, lenient = false): Buffer => {
    const offset = payload.readUInt16LE(at)
    const chars = payload.readUInt16LE(at + 2)
    if (chars === 0) return Buffer.alloc(0)
    if (offset + chars * 2 > declared) {
      if (lenient) return Buffer.alloc(0)
      throw new TdsProtocolError('LOGIN7 field out of range')
    }
    return payload.subarray(offset, offset + chars * 2)
  }
  const text = (at: number, lenient = false) => field(at, lenient).toString('utf16le')
  const optionFlags2 = payload.readUInt8(25)
  const optionFlags3 = payload.readUInt8(27)
  return {
    tdsVersion: payload.readUInt32LE(4),
    packetSize: payload.readUInt32LE(8),
    clientPid: payload.readUInt32LE(16),
    // tedious writes the data offset as cchHostName when the host name is empty.
    hostName: text(36, true),
    userName: text(40),
    password: deobfuscatePassword(field(44)),
    appName: text(48),
    serverName: text(52),
    libraryName: text(60),
    language: text(64),
    database: text(68),
    integratedSecurity: (optionFlags2 & INTEGRATED_SECURITY) !== 0 || payload.readUInt16LE(80) > 0,
    federatedAuthentication:
      (optionFlags3 & EXTENSION_USED) !== 0 && requestsFederatedAuthentication(payload, declared),
  }
}

/**
 * Whether the FeatureExt block asks for FEDAUTH. ibExtension points at a 4-byte offset of the
 * block; drivers have placed it differently over the years, so an unreadable block counts as
 * "no FEDAUTH" rather than as a malformed login.
 */
function requestsFederatedAuthentication(payload: Buffer, end: number): boolean {
  try {
    const pointer = payload.readUInt16LE(56)
    const pointerLength = payload.readUInt16LE(58)
    if (pointerLength !== 4) return false
    const reader = new ByteReader(payload.subarray(0, end), pointer)
    reader.offset = reader.u32le()
    for (;;) {
      const feature = reader.u8()
      if (feature === FEATURE_TERMINATOR) return false
      if (feature === FEATURE_FEDAUTH) return true
      reader.bytes(reader.u32le())
    }
  } catch {
    return false
  }
}
