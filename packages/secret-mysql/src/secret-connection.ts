import { type DatabaseCredentials, SecretClientError } from '@org/secret-client'
import {
  type DeferredSocket,
  type DriverSecret,
  LoginRotation,
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
  #socket: DeferredSocket
  /** The login's credentials through a rotation, once the login started. */
  #login: LoginRotation | undefined
  /** The login's end closes the rotation (registered at the first rejection). */
  #closeOnEnd = false
  /**
   * The rotation's abort controller, shared by the sockets of the login's attempts: destroying a
   * socket that waits for the secret aborts it (one controller per connection).
   */
  readonly #abort: AbortController

  /**
   * @param config - mysql2's `ConnectionConfig` for the options without the secret ones.
   * @param secret - the secret options, resolved by the driver kit.
   * @throws `SecretClientError` `INVALID_CONFIG` for a mysql2 outside the supported range.
   */
  constructor(config: Config, secret: DriverSecret) {
    const self: { connection?: SecretConnection } = {}
    const abort = new AbortController()
    let socket: DeferredSocket | undefined
    config.stream = () => {
      socket = deferredSocket(
        config,
        () => (self.connection as SecretConnection).#firstTarget(),
        abort,
      )
      return socket
    }
    super({ config } as never)
    // Read once by mysql2's constructor: conn.config looks as mysql2's own again.
    config.stream = undefined
    self.connection = this
    const { handshake } = connectionInternals(this)
    this.#secret = secret
    this.#abort = abort
    this.#handshake = handshake
    this.#clientFlags = handshake.clientFlags
    this.#socket = socket as DeferredSocket
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
    const socket = this.#socket
    // No retry follows a destroy(), whatever the login is doing now.
    if (!socket.waiting) this.#abort.abort()
    else {
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
    if (!packet || !(#login in this)) {
      mysql2Connection.handlePacket.call(this, packet)
      return
    }
    const self = this as unknown as ConnectionInternals & { _closing?: boolean }
    if (
      this.#login !== undefined &&
      !self.authorized &&
      self._command === this.#handshake &&
      packet.isError()
    ) {
      const error = packet.asError(self.clientEncoding)
      packet.reset()
      if (isAuthFailure(error)) {
        const login = this.#login
        if (!this.#closeOnEnd) {
          this.#closeOnEnd = true
          // The login's end, whichever way it goes: the rotation's timer is released.
          this.#handshake.once('end', () => login.close())
        }
        if (login.canRetry() && !self._closing) {
          this.#retry(login, error)
          return
        }
        // mysql2 builds its own error object from the packet: mark that one.
        this.#handshake.prependOnceListener('error', (driverError) => {
          login.finish(driverError)
        })
      }
    }
    mysql2Connection.handlePacket.call(this, packet)
  }

  /**
   * The first login's target: the secret's credentials from the cache, in this tick when cached
   * (no rotation is built until the server rejects them), else read asynchronously.
   */
  #firstTarget(): SocketTarget | Promise<SocketTarget> {
    this.#login = new LoginRotation({ secret: this.#secret, signal: this.#abort.signal })
    return this.#login.firstThen((credentials) => this.#apply(credentials))
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
  #retry(login: LoginRotation, rejected: unknown): void {
    const self = this as unknown as ConnectionInternals
    const raw = this.#socket
    const upgraded = self.stream !== raw
    // mysql2's listeners, taken before the sockets are cut loose: its constructor's on the raw
    // socket ('data' moved to the TLS layer when the login was upgraded, as the same parser call).
    const listeners: Array<[string, (...args: unknown[]) => void]> = []
    for (const event of SOCKET_EVENTS) {
      const from = event === 'data' && upgraded ? self.stream : raw
      for (const listener of from.rawListeners(event)) {
        listeners.push([event, listener as (...args: unknown[]) => void])
      }
    }
    for (const socket of new Set([self.stream, raw])) {
      socket.removeAllListeners()
      socket.on('error', ignore)
      socket.destroy()
    }
    const handshake = this.#handshake
    // The connection's own 'error' listener comes first (added before the handshake was queued);
    // the greeting's handling adds another each time, which the new greeting adds again.
    const [connectionListener] = handshake.rawListeners('error')
    handshake.removeAllListeners('error')
    if (connectionListener !== undefined) handshake.on('error', connectionListener)
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
    const socket = deferredSocket(
      this.config as unknown as Config,
      () => login.nextThen(rejected, (credentials) => this.#apply(credentials)),
      this.#abort,
    )
    for (const [event, listener] of listeners) {
      // net.Socket's own listeners (its 'end' handler) come with every socket: not moved twice.
      if (!socket.rawListeners(event).includes(listener)) socket.on(event, listener)
    }
    this.#socket = socket
    self.stream = socket
    socket.connect()
  }
}
