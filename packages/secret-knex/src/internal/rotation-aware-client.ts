import { CredentialGenerations, type DriverSecret } from '@org/secret-client/driver'
import { type DialectClass, type DialectName, dialectClass } from '../knex-internals.js'
import { currentVersion } from '../secret-connection.js'
import { ROTATION_AWARE, SECRET } from './rotation-aware.js'

/**
 * A knex dialect made rotation-aware: its connections are opened by this project's driver package
 * for the dialect (`driver`, in place of mysql2, pg or tedious), which reads the credentials from
 * the secret at each login and retries a login rejected during a rotation; each connection
 * remembers the secret version current when it was opened, and an idle one of an older version is
 * not handed out again (`recycleIdleOnRotation`): knex's pool validation refuses it and opens a
 * new one. Queries and transactions are knex's own, never replayed.
 */
export function rotationAwareClient(name: DialectName, driver: unknown): DialectClass {
  const Dialect = dialectClass(name)
  class RotationAware extends Dialect {
    /** The secret versions of this client's connections; made at the first connection. */
    #generations: CredentialGenerations | undefined

    /** The project's driver package for this dialect. */
    override _driver(): unknown {
      return driver
    }

    override async acquireRawConnection(): Promise<object> {
      const connection = await super.acquireRawConnection()
      const secret = this.#secret()
      const version = secret === undefined ? undefined : currentVersion(secret)
      if (secret !== undefined && version !== undefined) {
        const generations = this.#generationsOf(secret)
        generations.note(version)
        generations.remember(connection, version)
      }
      return connection
    }

    override validateConnection(connection: object): boolean | Promise<boolean> {
      // A WeakMap lookup per checkout: the current version follows the secret client's refreshes.
      if (this.#generations?.isStaleMember(connection) && this.#secret()?.recycleIdleOnRotation) {
        return false
      }
      return super.validateConnection(connection)
    }

    /** knex's `destroy()`: the client stops following the secret client's refreshes. */
    override destroy(...args: unknown[]): unknown {
      this.#generations?.close()
      this.#generations = undefined
      return super.destroy(...args)
    }

    /** The secret the `secretConnection()` provider handed over, if it was one. */
    #secret(): DriverSecret | undefined {
      return (this.connectionSettings as { [SECRET]?: DriverSecret } | undefined)?.[SECRET]
    }

    #generationsOf(secret: DriverSecret): CredentialGenerations {
      if (this.#generations === undefined) {
        this.#generations = new CredentialGenerations({
          secretName: secret.secretName,
          versionStage: secret.versionStage,
          source: () => secret.source(),
        })
        // Starts following the client's refresh events.
        this.#generations.source()
      }
      return this.#generations
    }
  }
  Object.defineProperty(RotationAware.prototype, ROTATION_AWARE, { value: true })
  return name === 'mssql' ? withSecretTediousConfig(RotationAware) : RotationAware
}

/** The secret options `@org/secret-tedious`'s `Connection` takes, from a provider's options. */
const SECRET_KEYS = ['secretName', 'secretClient', 'versionStage', 'rotationRetry'] as const

/**
 * The mssql dialect builds tedious's configuration itself (`_generateConnection()`, with an
 * `authentication` from `user`/`password`): `@org/secret-tedious` takes the secret options
 * instead.
 */
function withSecretTediousConfig(Base: DialectClass): DialectClass {
  return class extends Base {
    _generateConnection(): Record<string, unknown> {
      const generate = (Base.prototype as { _generateConnection(): Record<string, unknown> })
        ._generateConnection
      const config = generate.call(this)
      const settings = this.connectionSettings
      if (settings?.secretName === undefined) return config
      delete config.authentication
      for (const key of SECRET_KEYS) {
        if (settings[key] !== undefined) config[key] = settings[key]
      }
      return config
    }
  }
}
