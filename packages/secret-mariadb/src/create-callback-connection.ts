import { connect as netConnect, type Socket } from 'node:net'
import { type DatabaseCredentials, SecretClientError } from '@org/secret-client'
import {
  credentialFields,
  type DriverSecret,
  peekCredentials,
  resolveDriverOptions,
} from '@org/secret-client/driver'
import mariadbCallback, { type Connection } from 'mariadb/callback'
import { mariadbOptionsSpec } from './internal/mariadb-options-spec.js'
import { isAuthFailure } from './is-auth-failure.js'
import type { SecretConnectionConfig } from './secret-options.js'

type StreamCallback = (error: Error | null, stream?: Socket) => void

/**
 * The connector's `stream` hook of one connection: the connector calls it with the connection's
 * own options as `this` (a copy per connection, read at the server's greeting), after starting
 * its `connectTimeout` timer. It reads the credentials (at once when cached), writes them there,
 * and hands back a socket connected as the connector's own (`setNoDelay`).
 */
function secretStream(secret: DriverSecret, socketPath: string | undefined) {
  return function stream(this: Record<string, unknown>, callback: StreamCallback): undefined {
    if (this === null || typeof this !== 'object') {
      callback(
        new SecretClientError(
          'INVALID_CONFIG',
          '@org/secret-mariadb: the connector did not call its stream option with the connection options',
        ),
      )
      return undefined
    }
    const connect = (credentials: DatabaseCredentials) => {
      Object.assign(this, credentialFields(credentials, secret.given))
      const socket =
        socketPath === undefined
          ? netConnect(Number(this.port ?? 3306), String(this.host ?? 'localhost'))
          : netConnect(socketPath)
      if (socketPath === undefined) socket.setNoDelay(true)
      callback(null, socket)
    }
    try {
      const source = secret.source()
      const cached = peekCredentials(source, secret.secretName, secret.versionStage)
      if (cached !== undefined) connect(cached)
      else {
        source
          .getDatabaseCredentials(secret.secretName, { versionStage: secret.versionStage })
          .then(connect, (error: Error) => callback(error))
      }
    } catch (error) {
      callback(error as Error)
    }
    return undefined
  }
}

/**
 * The connector's callback-API `createConnection` (`mariadb/callback`), with credentials from a
 * secret: returns the connector's own `Connection` at once; commands queue until the login, which
 * reads the secret first (its socket connects once the credentials are known). The connector
 * cannot log a connection in again, so a login the server rejects (errno 1045) is **not retried**
 * on this object: it fails as the connector's does, and the secret is refreshed, so the next
 * connection logs in with the rotated credentials. Use the promise API or a pool for logins that
 * get through a rotation by themselves.
 * @throws `SecretClientError` `INVALID_CONFIG` for bad options or a `stream` option, synchronously
 *   (as the connector throws its own option errors).
 */
export function createConnection(config: SecretConnectionConfig): Connection {
  const { driverOptions, secret } = resolveDriverOptions<Record<string, unknown>>(
    config,
    mariadbOptionsSpec('connection'),
  )
  const { socketPath, stream, ...options } = driverOptions
  if (stream !== undefined) {
    throw new SecretClientError(
      'INVALID_CONFIG',
      '"stream" cannot be combined with secretName: the connection opens its own socket once the secret is read',
    )
  }
  const connection = mariadbCallback.createConnection({
    ...options,
    stream: secretStream(secret, socketPath as string | undefined),
  } as never)
  // A rejected login refreshes the secret (one KMS call shared with every other rejection).
  connection.once('connect', (error?: unknown) => {
    if (error !== undefined && error !== null && isAuthFailure(error)) {
      Promise.resolve()
        .then(() =>
          secret.source().refreshNow(secret.secretName, { versionStage: secret.versionStage }),
        )
        .catch(() => {})
    }
  })
  return connection
}
