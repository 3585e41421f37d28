import type { DriverOptionsSpec } from '@org/secret-client/driver'

/**
 * How node-mssql's configuration gives credentials and a location: `user`, `password`, `domain`
 * (NTLM) and `authentication` conflict with `secretName`; `server` is the host (mssql requires
 * it), a named instance (`server: 'host\\instance'`, `options.instanceName`) gives the port.
 */
export const mssqlOptionsSpec: DriverOptionsSpec = {
  driver: 'mssql',
  kind: 'pool',
  credentialKeys: ['user', 'password', 'domain', 'authentication'],
  givenLocation: (config) => {
    const options = config.options as Record<string, unknown> | undefined
    const named = typeof config.server === 'string' && config.server.includes('\\')
    return { host: true, port: named || options?.instanceName !== undefined }
  },
}
