import { createRequire } from 'node:module'
import { SecretClientError } from '../errors.js'

/** Options of {@link DriverInternals}. */
export interface DriverInternalsOptions {
  /** The wrapper package, first word of every message, e.g. `'@org/secret-mysql'`. */
  wrapper: string
  /** The driver's package name, e.g. `'mysql2'`. */
  driver: string
  /** The supported peer range as the wrapper declares it, e.g. `'>=3.23.3 <4'`. */
  range: string
  /**
   * Where the driver is resolved from: the wrapper module's `import.meta.url` (the driver is the
   * wrapper's peer, not the kit's).
   */
  from: string
}

/**
 * The checks of one wrapper's `<driver>-internals.ts`: every private member a wrapper still needs
 * is checked when a connection or pool is created, and a driver without one is refused with
 * `SecretClientError` `INVALID_CONFIG` naming the wrapper, the supported range, the installed
 * version and the member (`@org/secret-mysql needs mysql2 >=3.23.3 <4; mysql2 3.9.0 lacks
 * Pool#_closed`) — never run half-working.
 */
export class DriverInternals {
  /** The installed driver's version (`'unknown'` when its `package.json` cannot be read). */
  readonly version: string
  readonly #options: DriverInternalsOptions

  constructor(options: DriverInternalsOptions) {
    this.#options = options
    let version = 'unknown'
    try {
      version = String(createRequire(options.from)(`${options.driver}/package.json`).version)
    } catch {
      // A driver whose package.json is not exported: the message says 'unknown'.
    }
    this.version = version
  }

  /** The error for a driver that lacks `member` (e.g. `'Pool#_closed'`). */
  unsupported(member: string): SecretClientError {
    const { wrapper, driver, range } = this.#options
    return new SecretClientError(
      'INVALID_CONFIG',
      `${wrapper} needs ${driver} ${range}; ${driver} ${this.version} lacks ${member}`,
    )
  }

  /**
   * Checks that `condition` holds for `member`.
   * @throws `SecretClientError` `INVALID_CONFIG` from {@link DriverInternals.unsupported} when not.
   */
  require(condition: boolean, member: string): asserts condition {
    if (!condition) throw this.unsupported(member)
  }

  /**
   * Checks that `prototype` (of the class named `owner`) has every method of `names`.
   * @throws `SecretClientError` `INVALID_CONFIG` naming the first missing one (`owner#name()`).
   */
  requireMethods(prototype: object, owner: string, names: readonly string[]): void {
    for (const name of names) {
      const value = (prototype as Record<string, unknown>)[name]
      this.require(typeof value === 'function', `${owner}#${name}()`)
    }
  }
}
