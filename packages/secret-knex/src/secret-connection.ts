import {
  credentialFields,
  type DriverSecret,
  peekCredentials,
  resolveDriverOptions,
} from '@org/secret-client/driver'
import type { Knex } from 'knex'
import { knexOptionsSpec } from './internal/knex-options-spec.js'
import { isRotationAware, SECRET } from './internal/rotation-aware.js'
import type { SecretConnectionOptions } from './secret-connection-options.js'

/**
 * knex's `connection` option for a KMS secret: a connection provider (knex calls it before it opens
 * a connection once the options it returned last have expired).
 *
 * - With a client of this package (`client: MySql2Client` from `@org/secret-knex/mysql2`, `PgClient`,
 *   `MsSqlClient`), it hands the secret options to the project's driver package, which reads the
 *   credentials at each login and retries a login rejected during a rotation: no query fails.
 * - With knex's own client (`client: 'mysql2'`, `'pg'`, `'mssql'`), it reads the credentials itself,
 *   so every new connection uses the current ones; but a login the database rejects before the
 *   secret is refreshed (the single-account rotation window) fails the query that needed it.
 *
 * Either way the options it returns carry knex's `expirationChecker`: they expire once a newer
 * secret version has been read (by this process's secret client), so knex asks again (and, from
 * knex 3.2, discards the pooled connection it was validating).
 * @throws `SecretClientError` `INVALID_CONFIG` for bad options (a credential key next to
 *   `secretName`, a malformed `rotationRetry`, …), synchronously.
 */
export function secretConnection(
  options: SecretConnectionOptions,
): Knex.AsyncConnectionConfigProvider {
  const { driverOptions, secret } = resolveDriverOptions<Record<string, unknown>>(
    options,
    knexOptionsSpec,
  )
  const given = driverOptions
  async function provide(this: unknown): Promise<Knex.StaticConnectionConfig> {
    if (isRotationAware(this)) {
      const expirationChecker = versionChecker(secret, currentVersion(secret))
      const settings: Record<string, unknown> = {
        ...given,
        secretName: secret.secretName,
        versionStage: secret.versionStage,
        rotationRetry: secret.rotationRetry,
        expirationChecker,
        [SECRET]: secret,
      }
      if (options.secretClient !== undefined) settings.secretClient = options.secretClient
      return settings as unknown as Knex.StaticConnectionConfig
    }
    const credentials = await secret
      .source()
      .getDatabaseCredentials(secret.secretName, { versionStage: secret.versionStage })
    const { password, ...fields } = credentialFields(credentials, secret.given)
    const expirationChecker = versionChecker(secret, credentials.versionId)
    const settings = { ...given, ...fields, expirationChecker }
    // knex keeps these options on its client: not enumerable, inspecting it never shows the
    // password (knex hides a static config's the same way); the drivers read it all the same.
    Object.defineProperty(settings, 'password', { value: password, enumerable: false })
    return settings as unknown as Knex.StaticConnectionConfig
  }
  return provide as Knex.AsyncConnectionConfigProvider
}

/**
 * An `expirationChecker`: true once the secret's cached current version differs from `seen`, the
 * version of the options it goes with (with a cold cache, the first version it sees: a cold cache
 * is not an expiry).
 */
function versionChecker(secret: DriverSecret, seen: string | undefined): () => boolean {
  return () => {
    const current = currentVersion(secret)
    seen ??= current
    return current !== undefined && current !== seen
  }
}

/** The version of the secret's credentials in the cache now, without a KMS call. */
export function currentVersion(secret: DriverSecret): string | undefined {
  try {
    return peekCredentials(secret.source(), secret.secretName, secret.versionStage)?.versionId
  } catch {
    // A default client without KMS settings: the login reports it.
    return undefined
  }
}
