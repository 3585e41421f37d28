/**
 * Marks the knex clients of this package: a `secretConnection()` provider asked for options by one
 * of them hands over the secret options for the driver package to use; asked by any other knex
 * client, it reads the credentials itself.
 */
export const ROTATION_AWARE: unique symbol = Symbol.for('@org/secret-knex rotation-aware client')

/** Whether `client` (the `this` of a knex connection provider call) is one of this package's. */
export const isRotationAware = (client: unknown): boolean =>
  typeof client === 'object' &&
  client !== null &&
  (client as { [ROTATION_AWARE]?: unknown })[ROTATION_AWARE] === true

/**
 * Where a provider leaves the resolved secret in the options it hands a rotation-aware client (a
 * symbol: the drivers, which get the same options, read string keys only).
 */
export const SECRET: unique symbol = Symbol.for('@org/secret-knex secret')
