import type { DriverOptionsSpec } from '@org/secret-client/driver'

/**
 * How tedious's configuration gives credentials and a location, for the kit's one validation:
 * `authentication` (whatever its type) conflicts with `secretName`; `server` is the host (tedious
 * requires it), `options.port` / `options.instanceName` the port and `options.database` the
 * database.
 */
export const tediousOptionsSpec: DriverOptionsSpec = {
  driver: 'tedious',
  kind: 'connection',
  credentialKeys: ['authentication'],
  givenLocation: (config) => {
    const options = config.options as Record<string, unknown> | undefined
    return {
      host: true,
      port: options?.port !== undefined || options?.instanceName !== undefined,
      database: options?.database !== undefined,
    }
  },
}
