import { type DatabaseCredentials, SecretClientError } from '@org/secret-client'
import {
  type DeferredSocket,
  type DriverSecret,
  RotationAttempt,
  type SocketTarget,
} from '@org/secret-client/driver'
import mysql from 'mysql2'
import { applyCredentials, deferredSocket, type LoginConfig } from './internal/deferred-login.js'
import { isAuthFailure } from './is-auth-failure.js'
import {
  type ConnectionInternals,
  connectionInternals,
  type HandshakeInternals,
  type PacketInternals,
} from './mysql2-internals.js'

const ignore = (): void => {}

/** The socket events a mysql2 connection listens to; a retry moves its listeners to the new socket. */
const SOCKET_EVENTS = ['data', 'end', 'close', 'error'] as const

/** mysql2's own `handlePacket` and `destroy`, called past this class's overrides. */
const mysql2Connection = mysql.Connection.prototype as unknown as {
  handlePacket(this: unknown, packet: PacketInternals | undefined | null): void
  destroy(this: unknown): void
}

type Config = LoginConfig

/**
 * mysql2's `Connection`, logging in with a secret's credentials. It is mysql2's own class (a
 * subclass of it): commands queue from the first tick, `execute()` returns its command, errors
 * are thrown and emitted as mysql2 does, `'connect'` carries the handshake.
 *
 * How: its socket (mysql2's `stream` option) is a `DeferredSocket` that connects once the secret
 * is read; mysql2 sends the credentials only when the server greets it, reading them from
 * `conn.config`, where they were written (so changes to `conn.config` made before the login take
 * effect). When the server rejects the login (errno 1045), the login is retried **on this
 * connection**: a fresh socket with the next credentials of the rotation (refreshed secret,
 * `ACSPrevious`, backoff; see `RotationAttempt`) and mysql2's handshake command restarted, within
 * the `rotationRetry` budget; `connectTimeout` bounds each attempt. Commands queued meanwhile were
 * never sent. When the budget is spent, mysql2's own 1045 error is what its callbacks and
 * `'error'` get, marked `AUTH_RETRY_EXHAUSTED` (`attempts`, `elapsedMs`, `versionId`,
 * `secretName` added).
 */
export class SecretConnection extends mysql.Connection {
  readonly #secret: DriverSecret
  readonly #handshake: HandshakeInternals
  /** The handshake's capability flags before the server's greeting changed them. */
  readonly #clientFlags: number
  /** The handshake's `'error'` listeners before the greeting added its own. */
  readonly #handshakeErrorListeners: Array<(...args: unknown[]) => void>
  /** mysql2's listeners on its socket, in order: a retry moves them to the new one. */
  readonly #socketListeners: Array<[string, (...args: unknown[]) => void]> = []
  #socket: DeferredSocket
  #attempt: RotationAttempt | undefined
  #connectAbort: AbortController | undefined

  /**
   * @param config - mysql2's `ConnectionConfig` for the options without the secret ones.
   * @param secret - the secret options, resolved by the driver kit.
   * @throws `SecretClientError` `INVALID_CONFIG` for a mysql2 outside the supported range.
   */
  constructor(config: Config, secret: DriverSecret) {
    const self: { connection?: SecretConnection } = {}
    let socket: DeferredSocket | undefined
    config.stream = () => {
      socket = deferredSocket(config, (signal) =>
        (self.connection as SecretConnection).#firstTarget(signal),
      )
      return socket
    }
    super({ config } as never)
    // Read once by mysql2's constructor: conn.config looks as mysql2's own again.
    config.stream = undefined
    self.connection = this
    const { handshake } = connectionInternals(this)
    this.#secret = secret
    this.#handshake = handshake
    this.#clientFlags = handshake.clientFlags
    this.#handshakeErrorListeners = handshake.rawListeners('error')
    this.#socket = socket as DeferredSocket
    for (const event of SOCKET_EVENTS) {
      for (const listener of this.#socket.rawListeners(event)) {
        this.#socketListeners.push([event, listener as (...args: unknown[]) => void])
      }
    }
    // The login's end, whichever way it went: the rotation is over.
    handshake.once('end', () => this.#settled())
    this.#socket.connect()
  }

  /**
   * Closes the connection as mysql2 does. A login still waiting for the secret (a cold read, a
   * retry's refresh or backoff) is given up at once and its socket never connects; it fails as
   * mysql2's own socket does when destroyed before the login (that one still reaches the server and
   * cannot write the login): through mysql2's network-error path, so queued commands get the error
   * (`ABORTED` here), and `'error'` is emitted when none waits.
   */
  override destroy(): void {
    this.#connectAbort?.abort()
    const socket = this.#socket
    if (socket.waiting) {
      const { secretName } = this.#secret
      socket.destroy(
        new SecretClientError('ABORTED', `secret "${secretName}": login aborted by destroy()`, {
          secretName,
        }),
      )
    }
    mysql2Connection.destroy.call(this)
  }

  /** mysql2's packet dispatch; an error packet that rejects the login is handled here first. */
  handlePacket(packet: PacketInternals | undefined | null): void {
    // mysql2's constructor already dispatches (no packet yet), before this class's fields exist.
    if (!packet || !(#attempt in this)) {
      mysql2Connection.handlePacket.call(this, packet)
      return
    }
    const attempt = this.#attempt
    const self = this as unknown as ConnectionInternals & { _closing?: boolean }
    if (
      attempt !== undefined &&
      !self.authorized &&
      self._command === this.#handshake &&
      packet.isError()
    ) {
      const error = packet.asError(self.clientEncoding)
      packet.reset()
      if (isAuthFailure(error)) {
        if (attempt.canRetry() && !self._closing) {
          this.#retry(attempt, error)
          return
        }
        // mysql2 builds its own error object from the packet: mark that one.
        this.#handshake.prependOnceListener('error', (driverError) => {
          attempt.finish(driverError)
        })
      }
    }
    mysql2Connection.handlePacket.call(this, packet)
  }

  async #firstTarget(signal: AbortSignal): Promise<SocketTarget> {
    const abort = this.#follow(signal)
    const attempt = new RotationAttempt({
      source: this.#secret.source(),
      secretName: this.#secret.secretName,
      versionStage: this.#secret.versionStage,
      retry: this.#secret.rotationRetry,
      signal: abort,
    })
    this.#attempt = attempt
    return this.#apply(await attempt.first())
  }

  async #nextTarget(
    attempt: RotationAttempt,
    rejected: unknown,
    signal: AbortSignal,
  ): Promise<SocketTarget> {
    this.#follow(signal)
    return this.#apply(await attempt.next(rejected))
  }

  /** The rotation's abort signal, which also fires when `socket` is destroyed while it waits. */
  #follow(socketSignal: AbortSignal): AbortSignal {
    this.#connectAbort ??= new AbortController()
    const abort = this.#connectAbort
    const onAbort = () => abort.abort(socketSignal.reason)
    if (socketSignal.aborted) onAbort()
    else socketSignal.addEventListener('abort', onAbort, { once: true })
    return abort.signal
  }

  /** Writes the credentials where mysql2 reads them at the greeting; returns where to connect. */
  #apply(credentials: DatabaseCredentials): SocketTarget {
    return applyCredentials(this.config as unknown as Config, credentials, this.#secret)
  }

  /**
   * Retries a rejected login on this connection: the rejected socket (and its TLS layer) is cut
   * loose before it closes (mysql2 would fail the connection), mysql2's listeners move to a fresh
   * socket that connects with the next credentials, and the handshake command starts again from
   * the server's greeting.
   */
  #retry(attempt: RotationAttempt, rejected: unknown): void {
    const self = this as unknown as ConnectionInternals
    for (const socket of new Set([self.stream, this.#socket])) {
      socket.removeAllListeners()
      socket.on('error', ignore)
      socket.destroy()
    }
    const handshake = this.#handshake
    handshake.removeAllListeners('error')
    for (const listener of this.#handshakeErrorListeners) handshake.on('error', listener)
    handshake.handshake = null
    handshake.clientFlags = this.#clientFlags
    handshake.authenticationFactor = 0
    handshake.next = handshake.start()
    self._resetSequenceId()
    self._authPlugin = undefined
    // connectTimeout bounds each attempt, the wait for its credentials included.
    const timeoutMs = (this.config as unknown as Config).connectTimeout
    if (self.connectTimeout) clearTimeout(self.connectTimeout)
    self.connectTimeout = timeoutMs ? setTimeout(() => self._handleTimeoutError(), timeoutMs) : null
    const socket = deferredSocket(this.config as unknown as Config, (signal) =>
      this.#nextTarget(attempt, rejected, signal),
    )
    for (const [event, listener] of this.#socketListeners) socket.on(event, listener)
    this.#socket = socket
    self.stream = socket
    socket.connect()
  }

  #settled(): void {
    this.#attempt?.close()
    this.#attempt = undefined
    this.#connectAbort = undefined
  }
}
