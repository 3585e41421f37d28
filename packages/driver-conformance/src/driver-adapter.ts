import type { RotationRetryOptions, SecretCacheClient } from '@org/secret-client'
import type { FixtureEngine } from './emulator-fixture.js'

/** What the conformance suite passes to a driver to open a single connection. */
export interface ConformanceConnectOptions {
  /** Name of the Rds secret holding the account. */
  secretName: string
  /** Client pointed at the emulator; the driver must take credentials from it only. */
  secretClient: SecretCacheClient
  /** Server address (the secret holds only the account, as console-managed Rds secrets do). */
  host: string
  port: number
  database: string
  /** Retry budget for connecting through a rotation; the driver's default when absent. */
  rotationRetry?: RotationRetryOptions
}

/** What the conformance suite passes to a driver to create a pool. */
export interface ConformancePoolOptions extends ConformanceConnectOptions {
  /** Most physical connections the pool may hold. */
  max: number
}

/** A connection or pool as the suite drives it. */
export interface ConformanceQueryable {
  /** Runs one statement and resolves its rows as plain objects. */
  query(sql: string): Promise<Array<Record<string, unknown>>>
  /** Closes it; resolves when every socket and timer it owns is released. */
  end(): Promise<void>
}

/**
 * The small contract a rotation-aware driver wrapper implements to run
 * {@link runDriverConformance}: open a connection and create a pool from a secret name, query,
 * end. Keep the adapter a thin mapping onto the wrapper's public API.
 */
export interface DriverAdapter {
  /** Shown in the suite title, e.g. `'@org/secret-mysql'`. */
  name: string
  /** The server the suite stands up for this driver. */
  engine: FixtureEngine
  /**
   * Opens one connection; rejects with the driver's error (when a rotation budget is spent: the
   * driver's own authentication error, marked `AUTH_RETRY_EXHAUSTED`).
   */
  connect(options: ConformanceConnectOptions): Promise<ConformanceQueryable>
  /** Creates a pool; it may connect lazily. */
  createPool(options: ConformancePoolOptions): ConformanceQueryable | Promise<ConformanceQueryable>
  /**
   * The driver package's own authentication-failure classifier: the error a spent rotation
   * budget ends in must be the driver's authentication error (its class and code kept).
   */
  isAuthFailure(error: unknown): boolean
}
