import type { DatabaseCredentials } from '@org/secret-client'
import {
  credentialFields,
  DeferredSocket,
  type DriverSecret,
  type SocketTarget,
  type SocketTargetResolver,
} from '@org/secret-client/driver'

/** The fields of mysql2's `ConnectionConfig` a deferred login reads and writes. */
export type LoginConfig = Record<string, unknown> & {
  connectTimeout?: number
  enableKeepAlive?: boolean
  keepAliveInitialDelay?: number
  socketPath?: string
  host?: string
  port?: number
}

/**
 * A socket as mysql2 opens one itself (`Net.connect`, then no-delay, and keep-alive on TCP), deferred;
 * the socket options apply both once it connects, with no listener of its own.
 */
export function deferredSocket(
  config: LoginConfig,
  resolver: SocketTargetResolver,
  controller?: AbortController,
): DeferredSocket {
  const keepAlive = config.enableKeepAlive === true && config.socketPath === undefined
  return new DeferredSocket(resolver, {
    noDelay: true,
    keepAlive,
    // net.Socket takes the delay in milliseconds, as mysql2's option is.
    keepAliveInitialDelay: keepAlive ? (config.keepAliveInitialDelay ?? 0) : 0,
    ...(controller === undefined ? {} : { controller }),
  })
}

/**
 * Writes `credentials` where mysql2 reads them when the server greets it (a connection's own
 * config), the location too when the caller gave none; returns where to connect.
 */
export function applyCredentials(
  config: LoginConfig,
  credentials: DatabaseCredentials,
  secret: Pick<DriverSecret, 'given'>,
): SocketTarget {
  const fields = credentialFields(credentials, secret.given)
  config.user = fields.user
  // mysql2 reads the password off this config at the handshake and again for changeUser(), so it
  // stays readable; not enumerable, it stays out of util.inspect() and JSON.stringify() of the
  // connection and of a pool holding it (raw mysql2 shows it there).
  Object.defineProperty(config, 'password', {
    value: fields.password,
    writable: true,
    configurable: true,
    enumerable: false,
  })
  if (fields.host !== undefined) config.host = fields.host
  if (fields.port !== undefined) config.port = fields.port
  if (fields.database !== undefined) config.database = fields.database
  return config.socketPath !== undefined
    ? { path: config.socketPath }
    : { port: config.port ?? 3306, host: config.host }
}
