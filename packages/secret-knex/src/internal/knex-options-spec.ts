import type { DriverOptionsSpec } from '@org/secret-client/driver'

/**
 * The credential keys of knex's connection options for the dialects this package serves:
 * mysql2's and pg's `user`/`password`, mssql's `userName`/`domain`/`authentication` type options,
 * and a connection string, which would carry them.
 */
export const knexOptionsSpec: DriverOptionsSpec = {
  driver: 'knex',
  kind: 'pool',
  credentialKeys: ['user', 'password', 'userName', 'domain', 'token', 'connectionString'],
  givenLocation: (options) => ({
    host: options.server !== undefined || options.socketPath !== undefined,
    port: options.socketPath !== undefined,
  }),
}
