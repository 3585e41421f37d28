import { SecretClientError } from '@org/secret-client'
import type { DriverOptionsSpec } from '@org/secret-client/driver'
import mysql from 'mysql2'

/**
 * How mysql2's options give credentials and a location, for the kit's one validation: `user`,
 * `password`, `password1`…`password3` and `passwordSha1` (multi-factor and pre-hashed passwords)
 * conflict with `secretName`, in the options or in `uri` (read with mysql2's own parser); a
 * `socketPath` gives the location.
 */
export function mysql2OptionsSpec(kind: DriverOptionsSpec['kind']): DriverOptionsSpec {
  return kind === 'pool' ? POOL_SPEC : CONNECTION_SPEC
}

function makeSpec(kind: DriverOptionsSpec['kind']): DriverOptionsSpec {
  const ConnectionConfig = (
    mysql as unknown as { ConnectionConfig: { parseUrl(url: string): Record<string, unknown> } }
  ).ConnectionConfig
  return {
    driver: 'mysql2',
    kind,
    credentialKeys: ['user', 'password', 'password1', 'password2', 'password3', 'passwordSha1'],
    url: { key: 'uri', parse: (value) => ConnectionConfig.parseUrl(value) },
    givenLocation: (options) => ({
      host: options.socketPath !== undefined,
      port: options.socketPath !== undefined,
    }),
  }
}

/**
 * A `stream` option cannot be combined with a secret: the connection opens its own socket once
 * the secret is read.
 * @throws {@link SecretClientError} `INVALID_CONFIG`.
 */
export function rejectStream(options: object): void {
  if ((options as { stream?: unknown }).stream !== undefined) {
    throw new SecretClientError(
      'INVALID_CONFIG',
      '"stream" cannot be combined with secretName: the connection opens its own socket once the secret is read',
    )
  }
}

// Made once: validation runs on every connect, and the kit keeps per-spec lookups.
const CONNECTION_SPEC = makeSpec('connection')
const POOL_SPEC = makeSpec('pool')
