import type { Pool as CorePool, PoolClusterOptions } from 'mysql2'
import mysqlPromise, { type Connection, type Pool, type PoolCluster } from 'mysql2/promise'
import {
  createConnection as createCoreConnection,
  type SecretConnectionOptions,
} from './create-connection.js'
import { createPool as createCorePool, type SecretPoolOptions } from './create-pool.js'
import { promisePoolClusterClass } from './mysql2-internals.js'
import { SecretPoolCluster } from './secret-pool-cluster.js'

type PromiseOption = { Promise?: PromiseConstructor }

/** mysql2/promise's `PromiseConnection` class (exported at runtime, not in its typings). */
const PromiseConnection = (
  mysqlPromise as unknown as {
    PromiseConnection: new (connection: object, promise: PromiseConstructor) => Connection
  }
).PromiseConnection

/** mysql2/promise's `PoolCluster` whose `add` takes {@link SecretPoolOptions}. */
export type SecretPromisePoolCluster = Omit<PoolCluster, 'add'> & {
  /** Adds a node (named `CLUSTER::<n>`) whose pool authenticates through `options.secretName`. */
  add(options: SecretPoolOptions): void
  /** Adds a node named `id` whose pool authenticates through `options.secretName`. */
  add(id: string, options: SecretPoolOptions): void
}

/** The stack of the caller, as mysql2/promise gives a failed connect (its capture_local_err). */
function captureStack(constructorOpt: (...args: never[]) => unknown): { stack?: string } {
  const holder: { stack?: string } = {}
  Error.captureStackTrace(holder, constructorOpt)
  return holder
}

function applyStack(error: Error, holder: { stack?: string }): void {
  const stack = holder.stack
  if (typeof stack !== 'string' || stack === '') return
  const lines = stack.split('\n')
  lines[0] = `${error.name}: ${error.message}`
  error.stack = lines.join('\n')
}

/**
 * `mysql2/promise`'s `createConnection`, with credentials from a secret: resolves mysql2's own
 * promise `Connection` once logged in (through a rotation if needed); rejects with mysql2's error
 * (the caller's stack, as mysql2/promise does), a 1045 marked `AUTH_RETRY_EXHAUSTED` when the
 * rotation budget ran out. Honours the `Promise` option.
 * @throws `SecretClientError` `INVALID_CONFIG` for bad options — synchronously, as mysql2/promise
 *   throws its own option errors.
 */
export function createConnection(
  options: SecretConnectionOptions & PromiseOption,
): Promise<Connection> {
  const core = createCoreConnection(options)
  const stack = captureStack(createConnection)
  const ThePromise: PromiseConstructor = options.Promise ?? Promise
  return new ThePromise<Connection>((resolve, reject) => {
    core.once('connect', () => {
      resolve(new PromiseConnection(core, ThePromise))
    })
    core.once('error', (error: Error) => {
      applyStack(error, stack)
      reject(error)
    })
  })
}

/**
 * `mysql2/promise`'s `createPool`, with credentials from a secret (see the callback
 * `createPool`): returns mysql2's own promise `Pool`. Honours the `Promise` option.
 * @throws `SecretClientError` `INVALID_CONFIG` for bad options, synchronously.
 */
export function createPool(options: SecretPoolOptions & PromiseOption): Pool {
  const core = createCorePool(options) as CorePool
  return core.promise(options.Promise)
}

/**
 * `mysql2/promise`'s `createPoolCluster`, whose `add(id, options)` takes
 * {@link SecretPoolOptions}: each node's pool authenticates through its secret.
 */
export function createPoolCluster(
  config?: PoolClusterOptions & PromiseOption,
): SecretPromisePoolCluster {
  const Cluster = secretPromisePoolClusterClass()
  return new Cluster(
    new SecretPoolCluster(config),
    config?.Promise ?? Promise,
  ) as unknown as SecretPromisePoolCluster
}

let SecretPromisePoolClusterClass: ReturnType<typeof promisePoolClusterClass> | undefined

/** mysql2/promise's cluster class, with an `add` that reaches the (rotation-aware) core cluster's. */
function secretPromisePoolClusterClass(): ReturnType<typeof promisePoolClusterClass> {
  SecretPromisePoolClusterClass ??= class extends promisePoolClusterClass() {
    /** The core cluster's `add` (mysql2/promise's own calls `PoolCluster.prototype.add`). */
    add(id: unknown, options?: unknown): void {
      ;(this as unknown as { poolCluster: SecretPoolCluster }).poolCluster.add(id, options)
    }
  }
  return SecretPromisePoolClusterClass
}
