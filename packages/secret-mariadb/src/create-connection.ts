import {
  connectWithSecret,
  credentialFields,
  resolveDriverOptions,
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
export async function createConnection(config: SecretConnectionConfig): Promise<Connection> {
  const { driverOptions, secret } = resolveDriverOptions<Record<string, unknown>>(
    config,
    mariadbOptionsSpec('connection'),
  )
  const { connection } = await connectWithSecret({
    source: secret.source(),
    secretName: secret.secretName,
    versionStage: secret.versionStage,
    retry: secret.rotationRetry,
    isAuthFailure,
    connect: (credentials) =>
      mariadb.createConnection({
        ...driverOptions,
        ...credentialFields(credentials, secret.given),
      }),
  })
  return connection
}
