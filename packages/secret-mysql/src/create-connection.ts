import { EventEmitter } from 'node:events'
import { connectWithSecret } from '@org/secret-client'
import mysql, { type Connection, type ConnectionOptions } from 'mysql2'
import { observedSource } from './internal/observed-source.js'
import { applyCredentials, resolveSecretOptions } from './internal/resolve-secret-options.js'
import { isAuthFailure } from './is-auth-failure.js'
import type { SecretOptions } from './secret-options.js'

/** Options of {@link createConnection}: mysql2's `ConnectionOptions` without `user`/`password`, plus {@link SecretOptions}. */
export type SecretConnectionOptions = Omit<ConnectionOptions, 'user' | 'password'> & SecretOptions

type Command = (connection: Connection) => void
type QueryCommand = EventEmitter & { onResult?: (err: Error) => void }
type ConnectionClass = typeof mysql.Connection & {
  createQuery(sql: unknown, values: unknown, cb: unknown, config: unknown): QueryCommand
}

/**
 * Moves the listeners added to the stand-in before login onto the real connection, in order,
 * `once` ones staying `once`: from then on the connection's own `removeListener`, `listenerCount`
 * and unhandled-`'error'` behaviour apply, exactly as with raw mysql2.
 */
function moveListeners(from: EventEmitter, to: EventEmitter): void {
  for (const event of from.eventNames()) {
    for (const raw of from.rawListeners(event)) {
      // A `once` wrapper exposes the user's function as `listener`.
      const once = (raw as { listener?: (...args: unknown[]) => void }).listener
      if (once !== undefined) to.once(event, once)
      else to.on(event, raw as (...args: unknown[]) => void)
    }
  }
  from.removeAllListeners()
}

/**
 * mysql2's callback `createConnection`, with credentials from a secret. mysql2 returns the
 * connection synchronously while the credentials arrive asynchronously, so this returns a stand-in
 * that behaves as the connection: calls made before login (`query`, `execute`, `ping`,
 * `beginTransaction`, `end`, …) are queued in order and run on the real connection once it has
 * logged in through `connectWithSecret` (refreshing the secret and retrying on errno 1045); from
 * then on every property is the real connection's. Listeners added early are moved onto it at
 * login (so `removeListener` works afterwards and `once` stays once), and `'connect'` is emitted
 * once logged in. If the login fails for good, queued commands get the
 * error (e.g. `AuthRetryExhaustedError`) in their callbacks, and `'error'` is emitted when no command
 * was waiting. `destroy()` before login abandons it.
 *
 * Prefer `@org/secret-mysql/promise` or a pool in new code: their results are mysql2's own objects.
 * @throws `SecretClientError` `INVALID_CONFIG` (from `@org/secret-client`) for bad options, synchronously.
 */
export function createConnection(options: SecretConnectionOptions): Connection {
  const { driverOptions, secret } = resolveSecretOptions<ConnectionOptions>(options)
  const Core = mysql.Connection as ConnectionClass
  // The settings queries are built with before login (rowsAsArray, namedPlaceholders, …).
  const ConnectionConfig = (mysql as unknown as { ConnectionConfig: new (o: unknown) => object })
    .ConnectionConfig
  const config = new ConnectionConfig(driverOptions) as Record<string, unknown>
  const events = new EventEmitter()
  const queue: Array<{ run: Command; fail: (err: Error) => void }> = []
  const abort = new AbortController()
  let real: Connection | undefined
  let failure: Error | undefined
  let destroyed = false
  /** mysql2's `'connect'` argument (the handshake), re-emitted to listeners added early. */
  const handshake = new WeakMap<Connection, unknown>()

  const enqueue = (run: Command, fail: (err: Error) => void) => {
    if (real !== undefined) run(real)
    else if (failure !== undefined) fail(failure)
    else queue.push({ run, fail })
  }

  const facade: Connection = new Proxy(Object.create(Core.prototype) as Connection, {
    get(target, property) {
      if (real !== undefined) {
        const value = Reflect.get(real, property, real)
        return typeof value === 'function' ? value.bind(real) : value
      }
      if (property === 'config') return config
      if (property in EventEmitter.prototype) {
        const value = Reflect.get(events, property, events)
        return typeof value === 'function'
          ? (...args: unknown[]) => {
              const result = value.apply(events, args)
              return result === events ? facade : result
            }
          : value
      }
      if (property === 'query') return queuedQuery
      if (property === 'end') return queuedEnd
      if (property === 'destroy') return destroyEarly
      const value = Reflect.get(Core.prototype, property, facade)
      if (typeof value !== 'function') return Reflect.get(target, property)
      if (
        property === 'promise' ||
        property === 'escape' ||
        property === 'escapeId' ||
        property === 'format'
      ) {
        return (...args: unknown[]) => value.apply(facade, args)
      }
      return (...args: unknown[]) => {
        const callback = args.findLast((arg) => typeof arg === 'function') as
          | ((err: Error) => void)
          | undefined
        enqueue(
          (connection) =>
            (connection as unknown as Record<PropertyKey, (...a: unknown[]) => unknown>)[
              property
            ]?.(...args),
          (err) => callback?.(err),
        )
      }
    },
  })

  function queuedQuery(sql: unknown, values?: unknown, cb?: unknown): QueryCommand {
    const command = Core.createQuery(sql, values, cb, config)
    enqueue(
      (connection) => connection.query(command as never),
      (err) => (command.onResult ? command.onResult(err) : command.emit('error', err)),
    )
    return command
  }

  function queuedEnd(callback?: (err?: Error | null) => void): void {
    enqueue(
      (connection) => connection.end(callback as never),
      // Nothing to close: the login never succeeded.
      () => callback?.(null),
    )
  }

  function destroyEarly(): void {
    destroyed = true
    abort.abort(new Error('connection destroyed'))
  }

  // `connectWithSecret` is async, so resolving the (default) client happens inside it: an error
  // building it reaches the caller like a login failure.
  Promise.resolve()
    .then(() =>
      connectWithSecret({
        // Shared with this package's pools on the same client: their refreshes coalesce.
        source: observedSource(secret.source()),
        secretName: secret.secretName,
        ...(secret.versionStage !== undefined ? { versionStage: secret.versionStage } : {}),
        ...(secret.rotationRetry !== undefined ? { retry: secret.rotationRetry } : {}),
        signal: abort.signal,
        isAuthFailure,
        connect: (credentials) =>
          new Promise<Connection>((resolve, reject) => {
            const attempt: ConnectionOptions = { ...driverOptions }
            applyCredentials(attempt, credentials, secret.given)
            const connection = mysql.createConnection(attempt)
            connection.once('connect', (result: unknown) => {
              connection.off('error', reject)
              handshake.set(connection, result)
              resolve(connection)
            })
            connection.once('error', reject)
          }),
      }),
    )
    .then(
      ({ connection }) => {
        if (destroyed) {
          connection.destroy()
          return
        }
        real = connection
        moveListeners(events, connection)
        connection.emit('connect', handshake.get(connection))
        for (const command of queue.splice(0)) command.run(connection)
      },
      (err: Error) => {
        failure = err
        const waiting = queue.splice(0)
        for (const command of waiting) command.fail(err)
        // Like mysql2: a failed login with nothing waiting is reported as an 'error' event.
        if (waiting.length === 0 && !destroyed && events.listenerCount('error') > 0)
          events.emit('error', err)
      },
    )
  return facade
}
