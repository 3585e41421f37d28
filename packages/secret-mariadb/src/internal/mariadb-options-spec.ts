import type { DriverOptionsSpec } from '@org/secret-client/driver'

/**
 * How the connector's options give credentials and a location, for the kit's one validation:
 * `user` and `password` (a string, or an array for multi-factor authentication) conflict with
 * `secretName`; a `socketPath` gives the location. The connector's connection-string form
 * (`createPool('mariadb://…')`) has nowhere to put `secretName`: a string is refused by the kit.
 */
export function mariadbOptionsSpec(kind: DriverOptionsSpec['kind']): DriverOptionsSpec {
  return kind === 'pool' ? POOL_SPEC : CONNECTION_SPEC
}

function makeSpec(kind: DriverOptionsSpec['kind']): DriverOptionsSpec {
  return {
    driver: 'mariadb',
    kind,
    credentialKeys: ['user', 'password'],
    givenLocation: (options) => ({
      host: options.socketPath !== undefined,
      port: options.socketPath !== undefined,
    }),
  }
}

// Made once: validation runs on every connect, and the kit keeps per-spec lookups.
const CONNECTION_SPEC = makeSpec('connection')
const POOL_SPEC = makeSpec('pool')
