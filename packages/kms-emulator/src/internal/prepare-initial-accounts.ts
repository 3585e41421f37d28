import { DatabaseEngineError } from '../database/database-engine-error.js'
import { KmsEmulatorError } from '../errors.js'
import type { EmulatorLogger } from '../logger.js'
import type { EngineRegistry } from '../rotation/engine-registry.js'
import type { InitialAccount } from './initial-secret-record.js'

/**
 * Makes sure every account an initial Rds secret names can log in before the emulator listens:
 * an imported account must exist and accept its password, a `createAccount` one is created (or,
 * left by an earlier start without a state file, given its password again). Without this check
 * a typo in a config file loaded silently and every login of the app then failed.
 *
 * @throws {@link KmsEmulatorError} `ACCOUNT_NOT_FOUND`, `ACCOUNT_LOGIN_FAILED` or
 *   `DATABASE_UNAVAILABLE` (the engine's error as `cause`, which never holds a password).
 */
export async function prepareInitialAccounts(
  accounts: readonly InitialAccount[],
  engines: EngineRegistry,
  logger: EmulatorLogger,
): Promise<void> {
  for (const account of accounts) {
    const engine = engines.get(account.instanceId)
    const where = `account "${account.name}" on database ${account.instanceId}`
    const prefix = `initial secret ${account.secretName}: ${where}`
    const onDatabase = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
      try {
        return await work()
      } catch (cause) {
        const reason = cause instanceof DatabaseEngineError ? `: ${cause.message}` : ''
        throw new KmsEmulatorError(
          'DATABASE_UNAVAILABLE',
          `${prefix}: could not ${what}${reason}`,
          { cause },
        )
      }
    }
    const exists = await onDatabase('look it up', () => engine.accountExists(account.name))
    if (account.create) {
      if (exists) {
        await onDatabase('reset its password', () =>
          engine.setPassword(account.name, account.password),
        )
        logger.info?.('initial account existed; its password was set again', {
          secretName: account.secretName,
          account: account.name,
          instanceId: account.instanceId,
        })
      } else {
        await onDatabase('create it', () =>
          engine.createAccount(account.name, account.password, account.grants),
        )
        logger.info?.('initial account created', {
          secretName: account.secretName,
          account: account.name,
          instanceId: account.instanceId,
        })
      }
      continue
    }
    if (!exists) {
      throw new KmsEmulatorError(
        'ACCOUNT_NOT_FOUND',
        `${prefix} does not exist. Create it on the database first, or set "createAccount": true in the secret's rds block to have the emulator create it (with "databases" to grant).`,
      )
    }
    const loggedIn = await onDatabase('log in with it', () =>
      engine.checkLogin(account.name, account.password),
    )
    if (!loggedIn) {
      throw new KmsEmulatorError(
        'ACCOUNT_LOGIN_FAILED',
        `${prefix} rejects the configured accountPassword (was it rotated by an earlier start without a state file?). Give its current password, or set "createAccount": true to let the emulator set it.`,
      )
    }
  }
}
