import type { EmulatorAccessKey } from './auth/access-key.js'
import type { EmulatorClock } from './clock.js'
import type { AccountPrivilege, DatabaseServerConfig } from './database/database-engine.js'
import type { EmulatorLogger } from './logger.js'
import type { DatabaseEngineFactory } from './rotation/engine-registry.js'
import type { RdsSecretSubType } from './store/secret-record.js'

/**
 * A secret present from the start (unless the state file already holds one of that name).
 * Generic secrets take `value`; managed Rds secrets take `rds`: an existing account (imported —
 * `startKmsEmulator` checks that it exists and accepts `accountPassword`) or, with
 * `createAccount`, one the emulator creates ("Create account" in the console).
 */
export interface InitialSecret {
  name: string
  /** Value of a Generic secret (base64 when `dataType` is `binary`). */
  value?: string
  /** @default 'text' */
  dataType?: 'text' | 'binary'
  /** @default 'v1' */
  versionId?: string
  description?: string
  /** Tag key → value. */
  tags?: Record<string, string>
  /** A managed Rds secret. */
  rds?: {
    /** A key of `databases`. */
    instanceId: string
    /** @default 'SingleUser' */
    subType?: RdsSecretSubType
    accountName: string
    /**
     * Password of the account. Required when importing an existing account; with `createAccount`
     * a random one is generated when omitted.
     */
    accountPassword?: string
    /**
     * Create the account at start-up, with `accountPassword` and the `databases` grants. An
     * account of that name that already exists (left by an earlier start without a `stateFile`)
     * gets `accountPassword` again; a generated one when it is omitted.
     * @default false (import an existing account)
     */
    createAccount?: boolean
    /**
     * Databases the created account gets privileges on (created when missing); only with
     * `createAccount`. Privilege: `ReadWrite` (default), `ReadOnly`, `DDLOnly` or `DMLOnly`.
     * @default []
     */
    databases?: Array<{ name: string; privilege?: AccountPrivilege }>
  }
  /**
   * Enables automatic rotation of an Rds secret, e.g. `'7d'` or `'604800s'`.
   * @default none (no automatic rotation)
   */
  rotationInterval?: string
}

/** Options of `startKmsEmulator`. Everything is optional. */
export interface KmsEmulatorOptions {
  /** Interface to bind. Only loopback unless you ask for more. @default '127.0.0.1' */
  host?: string
  /** Port to bind; 0 picks a free one. @default 0 */
  port?: number
  /** Region the emulator pretends to be (used in ARNs). @default 'cn-hangzhou' */
  regionId?: string
  /** Account id used in ARNs. @default '1234567890123456' */
  accountId?: string
  /** Accepted credentials. @default one random pair, exposed as `emulator.accessKeyId/accessKeySecret` */
  accessKeys?: EmulatorAccessKey[]
  /** Database servers by `DBInstanceId`, for managed Rds secrets. @default {} */
  databases?: Record<string, DatabaseServerConfig>
  /** Secrets created at start-up. @default [] */
  secrets?: InitialSecret[]
  /** JSON file the secrets are persisted to (atomically, mode 0600) and reloaded from. @default none (in memory) */
  stateFile?: string
  /** Clock for secret lifecycle times. @default the system clock */
  clock?: EmulatorClock
  /**
   * Emulator-only: accept rotation intervals below the real 6-hour minimum (down to 1 second).
   * @default false
   */
  allowShortRotationInterval?: boolean
  /**
   * Period of the scheduler tick (automatic rotation, deletion windows, rotation-fault windows)
   * in real milliseconds; 0 disables the timer (call `emulator.tick()` yourself).
   * @default 1000
   */
  schedulerIntervalMs?: number
  /** Receives info/warn/error events; never secret values. @default silent */
  logger?: EmulatorLogger
  /** Builds the engine of a declared database. @default the built-in MySQL/MariaDB/PostgreSQL engines */
  databaseEngineFactory?: DatabaseEngineFactory
  /** Audit entries kept in memory (oldest dropped first). @default 10000 */
  maxAuditEntries?: number
  /**
   * How long `close()` waits for running operations (rotations, account creations, scheduler
   * ticks) before it closes the database engines anyway, in milliseconds.
   * @default 10000
   */
  closeTimeoutMs?: number
  /** Randomness for fault `probability` (tests may make it deterministic). @default Math.random */
  random?: () => number
}
