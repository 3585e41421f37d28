import {
  CredentialGenerations,
  connectWithSecret,
  credentialFields,
  type DriverSecret,
  resolveDriverOptions,
} from '@org/secret-client/driver'
import { mssqlOptionsSpec } from './internal/mssql-options-spec.js'
import { watchLogin } from './internal/watch-login.js'
import { isAuthFailure } from './is-auth-failure.js'
import { type PoolInternals, poolClass } from './mssql-internals.js'
import type { SecretMssqlConfig } from './mssql-options.js'

const Base = poolClass()

/**
 * node-mssql's `ConnectionPool` (its tedious driver), logging in with a secret's SQL login: the
 * same class (a subclass), the same `connect()`, `request()`, `query`, `transaction()`, events
 * and errors; `config` takes `secretName` instead of `user`/`password`.
 *
 * mssql builds a tedious connection from `pool.config` for each pooled connection: this pool
 * writes the secret's credentials there right before, and when SQL Server rejects the login
 * (18456) it opens the connection again with the next credentials of the rotation (refreshed
 * secret, `ACSPrevious`, backoff) within the `rotationRetry` budget — only opening a connection
 * is retried, never a request. When the budget is spent, mssql's own `ConnectionError` (`ELOGIN`)
 * is what the caller gets, marked `AUTH_RETRY_EXHAUSTED`. With `recycleIdleOnRotation` (default),
 * a connection opened with an older secret version is not handed out again once the pool has seen
 * a newer one (mssql's `validate` step refuses it, and tarn opens a new one).
 */
export class ConnectionPool extends Base {
  #secret: DriverSecret | undefined
  #generations: CredentialGenerations | undefined

  /**
   * @param config - node-mssql's configuration without credentials, plus the secret options.
   * @param callback - connects at once, as mssql's constructor does with a callback.
   * @throws `SecretClientError` `INVALID_CONFIG` for bad secret options, credentials given next to
   *   `secretName` or a connection string (it cannot name a secret), synchronously.
   */
  constructor(config: SecretMssqlConfig, callback?: (error?: unknown) => void) {
    const { driverOptions, secret } = resolveDriverOptions<Record<string, unknown>>(
      config,
      mssqlOptionsSpec,
    )
    const beforeConnect = driverOptions.beforeConnect
    super(
      {
        ...driverOptions,
        beforeConnect: (connection: Parameters<typeof watchLogin>[0]) => {
          watchLogin(connection)
          if (typeof beforeConnect === 'function') beforeConnect(connection)
        },
      },
      callback,
    )
    this.#secret = secret
    this.#generations = new CredentialGenerations({
      secretName: secret.secretName,
      versionStage: secret.versionStage,
      source: () => secret.source(),
    })
  }

  /**
   * mssql's `_poolCreate()`: one tedious connection, logged in with the secret's credentials
   * through a rotation.
   */
  override _poolCreate(): Promise<object> {
    // mssql's constructor connects at once when given a callback, before this class's fields
    // exist: that first connection waits for the end of the constructor.
    if (!(#secret in this) || this.#secret === undefined || this.#generations === undefined) {
      return Promise.resolve().then(() => this._poolCreate())
    }
    const secret = this.#secret
    const generations = this.#generations
    const config = (this as unknown as PoolInternals).config
    let source: ReturnType<CredentialGenerations['source']>
    try {
      source = generations.source()
    } catch (error) {
      // mssql expects a promise: a throw here would leave the pool "connecting" for good.
      return Promise.reject(error)
    }
    return connectWithSecret({
      source,
      driver: secret.driver,
      secretName: secret.secretName,
      versionStage: secret.versionStage,
      retry: secret.rotationRetry,
      isAuthFailure,
      connect: (credentials) => {
        const fields = credentialFields(credentials, secret.given)
        config.user = fields.user
        // Not enumerable: inspecting or serialising the pool's config never shows it.
        Object.defineProperty(config, 'password', {
          value: fields.password,
          enumerable: false,
          writable: true,
          configurable: true,
        })
        if (fields.database !== undefined) config.database = fields.database
        if (fields.port !== undefined) config.port = fields.port
        // mssql reads the config synchronously here, so concurrent opens do not mix credentials.
        return super._poolCreate()
      },
    }).then(({ connection, credentials }) => {
      generations.remember(connection, credentials.versionId)
      return connection
    })
  }

  /** mssql's `_poolValidate()`, refusing an idle connection of an older secret version. */
  override _poolValidate(connection: object): boolean | Promise<boolean> {
    if (
      #secret in this &&
      this.#secret?.recycleIdleOnRotation &&
      this.#generations?.isStaleMember(connection)
    ) {
      return false
    }
    return super._poolValidate(connection)
  }

  /** mssql's `close()`; the pool stops following the secret's refreshes. */
  override close(): Promise<void>
  override close(callback: (error: unknown) => void): void
  override close(callback?: (error: unknown) => void): Promise<void> | void {
    this.#generations?.close()
    return callback === undefined ? super.close() : super.close(callback)
  }
}
