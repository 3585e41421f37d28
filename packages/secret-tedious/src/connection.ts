import type { Socket } from 'node:net'
import { type DatabaseCredentials, SecretClientError } from '@org/secret-client'
import {
  credentialFields,
  type DriverSecret,
  LoginRotation,
  resolveDriverOptions,
  untilAborted,
} from '@org/secret-client/driver'
import type { ConnectionConfiguration } from 'tedious'
import * as tedious from 'tedious'
import { LOGIN_FAILED, recordLoginError, rejectsCredentials } from './internal/login-errors.js'
import { LoginOptions } from './internal/login-options.js'
import { tediousOptionsSpec } from './internal/tedious-options-spec.js'
import type { SecretConnectionConfig } from './secret-options.js'
import {
  type ConnectionInternals,
  type Connector,
  type ConnectorTarget,
  connectionInternals,
  enterRotationRetry,
  leaveRotationRetry,
  type RotationRetryState,
  tediousConnectors,
} from './tedious-internals.js'

/** An ERROR token, as tedious emits it on `'errorMessage'`. */
interface ErrorToken {
  number: number
  message: string
}

/** A login the rotation retries: the rejection, and what tedious's retry state looked like. */
interface PendingRetry {
  rejection: Error
  state: RotationRetryState
}

/**
 * tedious's `Connection`, logging in with a secret's SQL login: the same class (a subclass), the
 * same `connect()`, events, requests, transactions and errors; `config` takes `secretName`
 * (and the kit's other secret options) instead of `authentication`.
 *
 * How: tedious asks its `connector` option for a socket before every login; this connection's
 * connector reads the secret first (at once when cached), writes the user name and password where
 * tedious reads them at LOGIN7, then connects as tedious does. When the server rejects the login
 * (error 18456), the login is retried **on this connection** through tedious's own
 * transient-error retry (`'retry'` is emitted, a fresh socket, PRELOGIN and LOGIN7), with the
 * next credentials of the rotation (refreshed secret, `ACSPrevious`, backoff; see
 * `RotationAttempt`) and within the `rotationRetry` budget; `connectTimeout` bounds the whole
 * connect, as with tedious. Requests made before the login completes fail as tedious's do (it
 * queues none). When the budget is spent, tedious's own `ELOGIN` `ConnectionError` is what
 * `'connect'` carries, marked `AUTH_RETRY_EXHAUSTED`.
 */
export class Connection extends tedious.Connection {
  readonly #secret: DriverSecret
  readonly #internals: ConnectionInternals
  readonly #login = new LoginOptions()
  /**
   * Ends the rotation when the connection ends; made only when something can wait (a cold read, a
   * rejected login), so a warm login allocates no signal.
   */
  #abort: AbortController | undefined
  readonly #rotation: LoginRotation
  /** The ERROR tokens of the login attempt in progress (or the last one). */
  #loginErrors: ErrorToken[] = []
  #retry: PendingRetry | undefined
  /** A rejected login the budget did not allow to retry: `'connect'`'s error is marked. */
  #exhausted = false
  #loggedIn = false
  #ended = false
  /** Why the connector could not give a socket: the secret could not be read (or close()). */
  #secretError: SecretClientError | undefined

  /**
   * @param config - tedious's configuration without `authentication`, plus the secret options.
   * @throws `SecretClientError` `INVALID_CONFIG` for bad secret options or `authentication`
   *   given next to `secretName`; tedious's own `TypeError` for the rest of `config`, as tedious
   *   throws it — both synchronously.
   */
  constructor(config: SecretConnectionConfig) {
    const { driverOptions, secret } = resolveDriverOptions<ConnectionConfiguration>(
      config,
      tediousOptionsSpec,
    )
    const given = driverOptions.options as Record<string, unknown> | undefined
    const userConnector = given?.connector
    // Options tedious refuses reach it unchanged, so its own TypeError is what the caller gets.
    const hookable =
      (given === undefined || (typeof given === 'object' && given !== null)) &&
      (userConnector === undefined || typeof userConnector === 'function')
    const connector: Connector = (target, lookup, signal) =>
      (this as Connection).#open(target, lookup, signal, userConnector as Connector | undefined)
    if (hookable) {
      // driverOptions is the kit's copy of the caller's config: completed in place.
      const completed = driverOptions as unknown as Record<string, unknown>
      completed.options = { ...given, connector }
      completed.authentication = { type: 'default', options: {} }
    }
    super(driverOptions)
    this.#secret = secret
    this.#internals = connectionInternals(this)
    // Where tedious reads the login's credentials: ours, filled in before each login.
    this.#internals.config.authentication.options = this.#login
    this.#rotation = new LoginRotation({ secret, signal: () => this.#endSignal() })
    const lookup = this.#internals.transientErrorLookup
    this.#internals.transientErrorLookup = {
      isTransientError: (number) =>
        number === LOGIN_FAILED && rejectsCredentials(this.#loginErrors.map((e) => e.number))
          ? this.#retryLogin()
          : lookup.isTransientError(number),
    }
  }

  /**
   * tedious's `emit`: a login's ERROR tokens are remembered (tedious's `ELOGIN` error does not
   * carry their number), `'connect'` with a rejected login gets the number recorded and, when the
   * budget is spent, the `AUTH_RETRY_EXHAUSTED` mark; the rotation ends with the login.
   */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (#rotation in this) {
      if (event === 'errorMessage') {
        if (!this.#loggedIn) this.#loginErrors.push(args[0] as ErrorToken)
      } else if (event === 'error') {
        // tedious 18 reports a failing connector on 'error' ("Connection lost - …").
        if (!this.#loggedIn && this.#secretError !== undefined) args[0] = this.#secretError
      } else if (event === 'connect') {
        this.#loggedIn = args[0] === undefined || args[0] === null
        if (!this.#loggedIn) args[0] = this.#secretError ?? this.#failed(args[0])
        this.#rotation.close()
      } else if (event === 'end') {
        // A login given up by close() while it waited for the secret fails after tedious has
        // emitted 'end' (close() emits it at once), and tedious would emit it again.
        if (this.#ended) return false
        this.#ended = true
        if (this.#abort !== undefined) {
          const { secretName } = this.#secret
          this.#abort.abort(
            new SecretClientError('ABORTED', `secret "${secretName}": login aborted by close()`, {
              secretName,
            }),
          )
        }
        this.#rotation.close()
      }
    }
    return (super.emit as (event: string | symbol, ...args: unknown[]) => boolean)(event, ...args)
  }

  /** Whether tedious retries the login SQL Server just rejected with 18456 (see the class). */
  #retryLogin(): boolean {
    if (!this.#rotation.canRetry()) {
      this.#exhausted = true
      return false
    }
    const errors = this.#loginErrors
    const rejection = new tedious.ConnectionError(
      errors[errors.length - 1]?.message ?? 'Login failed.',
      'ELOGIN',
    )
    recordLoginError(
      rejection,
      errors.map((e) => e.number),
    )
    this.#retry = { rejection, state: enterRotationRetry(this.#internals) }
    return true
  }

  /** The error `'connect'` carries for a failed connect. */
  #failed(error: unknown): unknown {
    const errors = this.#loginErrors
    if (errors.length === 0 || (error as { code?: unknown })?.code !== 'ELOGIN') return error
    recordLoginError(
      error,
      errors.map((e) => e.number),
    )
    return this.#exhausted ? this.#rotation.finish(error) : error
  }

  /**
   * The connector: the login's credentials written where tedious reads them, then the socket —
   * synchronously when they are cached (the usual case: no wait, no extra promise).
   */
  #open(
    target: ConnectorTarget,
    lookup: Parameters<Connector>[1],
    signal: AbortSignal,
    userConnector: Connector | undefined,
  ): Promise<Socket> {
    const retry = this.#retry
    this.#retry = undefined
    this.#loginErrors.length = 0
    let read: DatabaseCredentials | Promise<DatabaseCredentials>
    if (retry === undefined) {
      try {
        read = this.#rotation.first()
      } catch (error) {
        return Promise.reject(this.#noSecret(error))
      }
      if (!(read instanceof Promise))
        return this.#connectAs(read, target, lookup, signal, userConnector)
    } else {
      leaveRotationRetry(this.#internals, retry.state)
      read = this.#rotation.next(retry.rejection)
    }
    return this.#openAfterRead(read, target, lookup, signal, userConnector)
  }

  /** {@link Connection.#open} once the credentials are read. */
  async #openAfterRead(
    read: Promise<DatabaseCredentials>,
    target: ConnectorTarget,
    lookup: Parameters<Connector>[1],
    signal: AbortSignal,
    userConnector: Connector | undefined,
  ): Promise<Socket> {
    // tedious's signal covers its connect timeout; this connection's, close() (its 'end').
    const ended = this.#endSignal()
    let credentials: DatabaseCredentials
    try {
      credentials = await untilAborted(read, AbortSignal.any([signal, ended]))
      // Closed while the secret was read: no socket, no login.
      ended.throwIfAborted()
    } catch (error) {
      throw this.#noSecret(error)
    }
    return this.#connectAs(credentials, target, lookup, signal, userConnector)
  }

  /** Aborted when the connection ends (see {@link Connection.#abort}). */
  #endSignal(): AbortSignal {
    this.#abort ??= new AbortController()
    return this.#abort.signal
  }

  /** A secret that could not be read: `'connect'` carries it as it is, not as a socket error. */
  #noSecret(error: unknown): unknown {
    if (error instanceof SecretClientError) this.#secretError = error
    return error
  }

  /** Writes `credentials` where tedious reads them at LOGIN7, then connects as tedious does. */
  #connectAs(
    credentials: DatabaseCredentials,
    target: ConnectorTarget,
    lookup: Parameters<Connector>[1],
    signal: AbortSignal,
    userConnector: Connector | undefined,
  ): Promise<Socket> {
    const fields = credentialFields(credentials, this.#secret.given)
    const { config } = this.#internals
    const login = this.#login
    login.userName = fields.user
    login.password = fields.password
    if (fields.database !== undefined) config.options.database = fields.database
    const to = fields.port === undefined ? target : { ...target, port: fields.port }
    const { sequence, parallel } = tediousConnectors()
    const connect =
      userConnector ?? (config.options.multiSubnetFailover === true ? parallel : sequence)
    return connect(to, lookup, signal)
  }
}
