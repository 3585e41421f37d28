/**
 * A client sent bytes that are not valid TDS (a bad packet header, a truncated PRELOGIN or
 * LOGIN7, a request in the wrong state). The connection that received them is closed; the
 * server and every other connection carry on.
 */
export class TdsProtocolError extends Error {
  override readonly name = 'TdsProtocolError'
}
