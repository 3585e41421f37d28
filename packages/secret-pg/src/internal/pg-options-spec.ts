import { SecretClientError } from '@org/secret-client'
import type { DriverOptionsSpec } from '@org/secret-client/driver'
import pg from 'pg'
import { parse } from 'pg-connection-string'

/**
 * How pg's options give credentials and a location, for the kit's one validation. pg reads
 * `user`/`password` from the options, the connection string (userinfo or parameters), then
 * `PGUSER`/`PGPASSWORD`, `pg.defaults` and `~/.pgpass`: the first two conflict with `secretName`;
 * the ambient ones never apply (the secret always supplies both). A location counts as given when
 * pg would take it from the options, the connection string or the environment.
 */
export function pgOptionsSpec(kind: DriverOptionsSpec['kind']): DriverOptionsSpec {
  return kind === 'pool' ? POOL_SPEC : CONNECTION_SPEC
}

function makeSpec(kind: DriverOptionsSpec['kind']): DriverOptionsSpec {
  return {
    driver: 'pg',
    kind,
    credentialKeys: ['user', 'password'],
    url: { key: 'connectionString', parse: (value) => parse(value) as Record<string, unknown> },
    givenLocation: () => ({
      host: process.env.PGHOST !== undefined,
      port: process.env.PGPORT !== undefined,
      database:
        process.env.PGDATABASE !== undefined ||
        (pg.defaults as { database?: unknown }).database != null,
    }),
  }
}

// Made once: validation runs on every connect, and the kit keeps per-spec lookups.
const CONNECTION_SPEC = makeSpec('connection')
const POOL_SPEC = makeSpec('pool')

/**
 * Options the secret cannot work with: a `stream` (the connection must wait for the secret in a
 * socket of its own) and, for pools, a `Client` class (the pool's clients must be this package's).
 * @throws {@link SecretClientError} `INVALID_CONFIG`.
 */
export function rejectUnsupported(options: object, keys: readonly string[]): void {
  const record = options as Record<string, unknown>
  for (const key of keys) {
    if (record[key] !== undefined) {
      throw new SecretClientError(
        'INVALID_CONFIG',
        key === 'stream'
          ? '"stream" cannot be combined with secretName: the connection opens its own socket once the secret is read'
          : `"${key}" cannot be combined with secretName: the pool's clients read the secret`,
      )
    }
  }
}
