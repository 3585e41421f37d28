import type { DatabaseCredentials } from '@org/secret-client'
import {
  connectWithSecret,
  type DatabaseSecretSource,
  type DriverSecret,
  peekCredentials,
  resolveDriverOptions,
  withCredentials,
} from '@org/secret-client/driver'
import mariadb, { type Connection } from 'mariadb'
import { mariadbOptionsSpec } from './internal/mariadb-options-spec.js'
import { isAuthFailure } from './is-auth-failure.js'
import type { SecretConnectionConfig } from './secret-options.js'

/**
 * The connector's `createConnection`, with credentials from a secret: reads them (from the
 * cache, so normally without a KMS call), then the connector's own `createConnection` with them,
 * and resolves with the connector's own `Connection`. When the server rejects the login (errno
 * 1045), the next credentials of the rotation (refreshed secret, `ACSPrevious`, backoff) are tried
 * on a fresh connection within the `rotationRetry` budget; `connectTimeout` bounds each attempt.
 * When the budget is spent it rejects with the connector's own last `SqlError` (1045), marked
 * `AUTH_RETRY_EXHAUSTED` (`attempts`, `elapsedMs`, `versionId`, `secretName` added).
 *
 * As with the connector, every error — bad options included (`SecretClientError`
 * `INVALID_CONFIG`) — is a rejection, never a synchronous throw.
 */
export function createConnection(config: SecretConnectionConfig): Promise<Connection> {
  let resolved: ReturnType<typeof resolveDriverOptions<Record<string, unknown>>>
  let source: DatabaseSecretSource
  let cached: DatabaseCredentials | undefined
  try {
    resolved = resolveDriverOptions<Record<string, unknown>>(
      config,
      mariadbOptionsSpec('connection'),
    )
    source = resolved.secret.source()
    cached = peekCredentials(source, resolved.secret.secretName, resolved.secret.versionStage)
  } catch (error) {
    return Promise.reject(error)
  }
  const { driverOptions, secret } = resolved
  if (cached === undefined) return connectThroughRotation(driverOptions, secret, source)
  // Cached credentials (the common case): the connector's own promise, in this tick; nothing of
  // the rotation is built unless the server rejects them.
  const credentials = cached
  const startedAt = Date.now()
  return connectWith(driverOptions, secret, credentials).catch((error: unknown) => {
    if (!isAuthFailure(error)) throw error
    return connectThroughRotation(driverOptions, secret, source, { credentials, startedAt }, error)
  })
}

/** The connector's `createConnection` with `credentials` written into the options. */
function connectWith(
  driverOptions: Readonly<Record<string, unknown>>,
  secret: DriverSecret,
  credentials: DatabaseCredentials,
): Promise<Connection> {
  return mariadb.createConnection(withCredentials(driverOptions, credentials, secret.given))
}

/** The kit's rotation-aware connect, from the first read or after `first` was rejected. */
function connectThroughRotation(
  driverOptions: Readonly<Record<string, unknown>>,
  secret: DriverSecret,
  source: DatabaseSecretSource,
  first?: { credentials: DatabaseCredentials; startedAt: number },
  rejected?: unknown,
): Promise<Connection> {
  return connectWithSecret({
    source,
    driver: secret.driver,
    secretName: secret.secretName,
    versionStage: secret.versionStage,
    retry: secret.rotationRetry,
    isAuthFailure,
    connect: (credentials) => connectWith(driverOptions, secret, credentials),
    ...(first === undefined ? {} : { first, rejected }),
  }).then(({ connection }) => connection)
}
