import type { LookupFunction, Socket } from 'node:net'
import { DriverInternals } from '@org/secret-client/driver'
import type tedious from 'tedious'
import * as tediousConnector from 'tedious/lib/connector.js'

/**
 * Every private member of tedious (18 … 20) that `@org/secret-tedious` uses, in one place, checked
 * when a `Connection` is created: a tedious without one is refused with `INVALID_CONFIG` naming its
 * version, never run half-working.
 *
 * The public hooks cover the first login: the credentials reach tedious through its `connector`
 * option (a socket factory awaited before every login), written where `sendLogin7Packet()` reads
 * them. A login the server rejects is retried **on the same `Connection`** through tedious's own
 * transient-error retry (the state it enters after a transient login error: socket closed, a wait
 * of `connectionRetryInterval`, `'retry'` emitted, a fresh socket from the connector, a new
 * PRELOGIN and LOGIN7). Joining that path needs the members below.
 */

/** tedious's classifier of login errors (`src/transient-error-lookup.ts`), one per connection. */
export interface TransientErrorLookup {
  isTransientError(error: number): boolean
}

/** The members of a tedious `Connection` a login retried in place uses. */
export interface ConnectionInternals {
  /** Asked, for every ERROR token of a login response, whether to retry the login. */
  transientErrorLookup: TransientErrorLookup
  /**
   * Transient retries so far; a login error is retried only while it differs from
   * `config.options.maxRetriesOnTransientErrors`, and it is incremented when a retry starts.
   */
  curTransientRetryCount: number
  /** The validated configuration tedious reads at every login. */
  config: {
    options: {
      connectionRetryInterval: number
      maxRetriesOnTransientErrors: number
      database?: string
      port?: number
      multiSubnetFailover?: boolean
    }
    authentication: { type: string; options: object }
  }
}

const check: DriverInternals = new DriverInternals({
  wrapper: '@org/secret-tedious',
  driver: 'tedious',
  range: '>=18.0.0 <21',
  from: import.meta.url,
})

/**
 * `connection` as {@link ConnectionInternals}.
 * @throws `SecretClientError` `INVALID_CONFIG` naming the tedious version and the missing member.
 */
export function connectionInternals(
  connection: InstanceType<typeof tedious.Connection>,
): ConnectionInternals {
  const c = connection as unknown as Partial<ConnectionInternals>
  check.require(
    typeof c.transientErrorLookup?.isTransientError === 'function',
    'Connection#transientErrorLookup.isTransientError()',
  )
  check.require(typeof c.curTransientRetryCount === 'number', 'Connection#curTransientRetryCount')
  const options = c.config?.options
  check.require(
    typeof options?.connectionRetryInterval === 'number',
    'Connection#config.options.connectionRetryInterval',
  )
  check.require(
    typeof options?.maxRetriesOnTransientErrors === 'number',
    'Connection#config.options.maxRetriesOnTransientErrors',
  )
  check.require(
    c.config?.authentication?.type === 'default' &&
      typeof c.config.authentication.options === 'object',
    'Connection#config.authentication.options',
  )
  return c as ConnectionInternals
}

/**
 * What a login retried by the rotation changed in tedious's transient-retry state, to put back
 * once the retry's socket is asked for (see {@link enterRotationRetry}).
 */
export interface RotationRetryState {
  retryCount: number
  retryInterval: number
}

/**
 * Makes the login error being classified a retry of tedious's own, for the rotation: without
 * counting against `maxRetriesOnTransientErrors` (the count is set so tedious's comparison passes,
 * and restored by {@link leaveRotationRetry}) and without tedious's fixed `connectionRetryInterval`
 * wait (the rotation has its own backoff, applied while the connector waits for the credentials).
 */
export function enterRotationRetry(internals: ConnectionInternals): RotationRetryState {
  const state = {
    retryCount: internals.curTransientRetryCount,
    retryInterval: internals.config.options.connectionRetryInterval,
  }
  internals.curTransientRetryCount = -1
  internals.config.options.connectionRetryInterval = 0
  return state
}

/** Puts back what {@link enterRotationRetry} changed (tedious has counted its retry by now). */
export function leaveRotationRetry(
  internals: ConnectionInternals,
  state: RotationRetryState,
): void {
  internals.curTransientRetryCount = state.retryCount
  internals.config.options.connectionRetryInterval = state.retryInterval
}

/** Where tedious's connector is asked to connect (`Connection#connectOnPort`). */
export interface ConnectorTarget {
  host: string
  port: number
  localAddress?: string | undefined
}

/** A socket factory as tedious calls its `connector` option. */
export type Connector = (
  target: ConnectorTarget,
  lookup: LookupFunction,
  signal: AbortSignal,
) => Promise<Socket>

let defaultConnectors: { sequence: Connector; parallel: Connector } | undefined

/**
 * tedious's own socket factories (`lib/connector.js`: every address of the host in turn, or all at
 * once with `multiSubnetFailover`), used once the credentials are known so that connecting, its
 * DNS handling and its errors stay tedious's own.
 * @throws `SecretClientError` `INVALID_CONFIG` naming the tedious version when they are missing.
 */
export function tediousConnectors(): { sequence: Connector; parallel: Connector } {
  if (defaultConnectors === undefined) {
    const module = tediousConnector as unknown as {
      connectInSequence?: Connector
      connectInParallel?: Connector
    }
    check.require(
      typeof module.connectInSequence === 'function',
      'lib/connector connectInSequence()',
    )
    check.require(
      typeof module.connectInParallel === 'function',
      'lib/connector connectInParallel()',
    )
    defaultConnectors = { sequence: module.connectInSequence, parallel: module.connectInParallel }
  }
  return defaultConnectors
}
