import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type ActionCounters, type AuditEntry, AuditLog } from './audit/audit-log.js'
import type { EmulatorAccessKey } from './auth/access-key.js'
import { Authenticator } from './auth/authenticator.js'
import { createDatabaseEngine } from './database/create-database-engine.js'
import { KmsApiError, KmsEmulatorError } from './errors.js'
import { FaultInjector } from './faults/fault-injector.js'
import { ADMIN_PREFIX, handleAdminRequest } from './http/admin-handler.js'
import { handleApiRequest } from './http/api-request-handler.js'
import { sendJson } from './http/send-json.js'
import { TrackedDelays } from './http/tracked-delays.js'
import { InFlight } from './internal/in-flight.js'
import { type InitialAccount, initialSecretRecord } from './internal/initial-secret-record.js'
import { prepareInitialAccounts } from './internal/prepare-initial-accounts.js'
import { resolveOptions } from './internal/resolve-options.js'
import { safeErrorFields } from './internal/safe-error-fields.js'
import type { KmsEmulatorOptions } from './kms-emulator-options.js'
import type { OperationContext } from './operations/operation-context.js'
import { OPERATIONS } from './operations/operation-table.js'
import { EngineRegistry } from './rotation/engine-registry.js'
import { RdsRotator } from './rotation/rds-rotator.js'
import type { SecretRecord } from './store/secret-record.js'
import { SecretStore } from './store/secret-store.js'
import { readStateFile } from './store/state-file.js'

const MAX_HEADER_BYTES = 256 * 1024

/** A running emulator. Call {@link KmsEmulator.close} when done. */
export interface KmsEmulator {
  /** `http://HOST:PORT`. */
  readonly endpoint: string
  /** Bound address. */
  readonly host: string
  /** Bound port. */
  readonly port: number
  readonly regionId: string
  /** The first accepted access key id (the generated one unless `accessKeys` was given). */
  readonly accessKeyId: string
  /** Secret of {@link KmsEmulator.accessKeyId}; a local test credential, not a production one. */
  readonly accessKeySecret: string
  /** Every accepted credential. */
  readonly accessKeys: readonly EmulatorAccessKey[]
  /** Fault injection for API calls and rotations. */
  readonly faults: FaultInjector
  /** Recorded API calls, oldest first. */
  audit(): AuditEntry[]
  /** Counters of one action, e.g. `counters('GetSecretValue').errors`. */
  counters(action: string): ActionCounters
  /** Counters of every action called so far. */
  allCounters(): Record<string, ActionCounters>
  /** Forgets audit entries and counters. */
  resetCounters(): void
  /**
   * Rotates a managed secret now, bypassing the HTTP API and its hourly limit.
   *
   * @throws {@link KmsEmulatorError} `CLOSED` after {@link KmsEmulator.close}.
   * @throws {@link KmsApiError} `Forbidden.ResourceNotFound` (404) for an unknown secret;
   *   `Rejected.ResourceInDeleteWindow` (409) for one scheduled for deletion;
   *   `Rejected.UnsupportedOperation` (400) for a Generic secret; `Rejected.Rotating` (409) while
   *   it rotates or a rotation-fault window is open; `Rejected.ResourceExist` (409) when the first
   *   DoubleUsers rotation finds an unrelated `<name>_clone` account; `InvalidParameter` (400)
   *   when its `DBInstanceId` is not declared; `InternalFailure` (500) when the database server
   *   rejects the change or cannot be reached (nothing changes in the secret then).
   */
  rotateSecret(name: string): Promise<{ versionId: string }>
  /**
   * Checks that the staged credentials of a managed secret can log in (see `CheckSecretAccount`).
   *
   * @throws {@link KmsEmulatorError} `CLOSED` after {@link KmsEmulator.close}.
   * @throws {@link KmsApiError} `MissingParameter` (400) for an empty name;
   *   `Forbidden.ResourceNotFound` (404) for an unknown secret; `Rejected.ResourceInDeleteWindow`
   *   (409) for one scheduled for deletion; `Rejected.UnsupportedOperation` (400) for a Generic
   *   secret; `InvalidParameter` (400) when its `DBInstanceId` is not declared;
   *   `InternalFailure` (500) when the database server cannot be reached.
   */
  checkSecretAccount(name: string): Promise<Record<string, unknown>>
  /**
   * Runs one KMS operation in-process (no HTTP, no signature, no faults, not audited) and
   * returns its response fields. Throws {@link KmsApiError} like the API would answer.
   */
  call(action: string, params?: Record<string, string>): Promise<Record<string, unknown>>
  /**
   * Runs the scheduler once: purges secrets whose deletion window passed, completes rotation-fault
   * windows and performs due automatic rotations. Use with an injected clock.
   */
  tick(): Promise<void>
  /**
   * Stops accepting requests (dropping keep-alive and hung connections) and the scheduler, waits
   * up to `closeTimeoutMs` for running operations (rotations, account creations, ticks), then
   * closes the database engines. Later calls of {@link KmsEmulator.call},
   * {@link KmsEmulator.rotateSecret} and {@link KmsEmulator.tick} reject with `CLOSED`.
   */
  close(): Promise<void>
}

/**
 * Starts a local KMS Secrets Manager (API 2016-01-20) that the official SDK can call unchanged.
 * Binds 127.0.0.1 on a free port unless `host`/`port` say otherwise; an address beyond loopback
 * is logged as a warning.
 * @throws {@link KmsEmulatorError} `ADDRESS_IN_USE` when the port is taken, `INVALID_OPTIONS` for
 *   a bad option (or another reason it cannot listen), `STATE_FILE_INVALID` for an unreadable
 *   `stateFile`.
 */
export async function startKmsEmulator(options: KmsEmulatorOptions = {}): Promise<KmsEmulator> {
  const config = resolveOptions(options)
  const now = () => config.clock.now()
  const store = new SecretStore(now, config.stateFile)
  if (config.stateFile) store.load(readStateFile(config.stateFile))
  const createdAt = now()
  const added: SecretRecord[] = []
  const accounts: InitialAccount[] = []
  for (const initial of config.secrets) {
    const { record, account } = initialSecretRecord(
      initial,
      createdAt,
      config.databases,
      config.allowShortRotationInterval,
    )
    // The state file is the truth for a secret it holds: its account may have rotated since.
    if (added.some((r) => r.name === record.name)) {
      throw new KmsEmulatorError('INVALID_OPTIONS', `initial secret ${record.name}: declared twice`)
    }
    if (store.has(record.name)) continue
    added.push(record)
    if (account) accounts.push(account)
  }

  const faults = new FaultInjector(config.random)
  const audit = new AuditLog(config.maxAuditEntries, new Set(Object.keys(OPERATIONS)))
  const engines = new EngineRegistry(
    config.databases,
    config.databaseEngineFactory ?? createDatabaseEngine,
  )
  try {
    await prepareInitialAccounts(accounts, engines, config.logger)
  } catch (err) {
    await engines.close()
    throw err
  }
  store.load(added)
  store.persist()
  const rotator = new RdsRotator({ store, engines, faults, now, logger: config.logger })
  const context: OperationContext = {
    store,
    now,
    regionId: config.regionId,
    accountId: config.accountId,
    allowShortRotationInterval: config.allowShortRotationInterval,
    engines,
    rotator,
  }
  const authenticator = new Authenticator(config.accessKeys)
  const delays = new TrackedDelays()
  let closing = false

  const inFlight = new InFlight()
  const closedError = () => new KmsEmulatorError('CLOSED', 'The emulator is closed')

  let ticking: Promise<void> | undefined
  const tick = (): Promise<void> => {
    if (closing) return Promise.reject(closedError())
    // Overlapping ticks would rotate the same secret twice.
    if (!ticking) {
      const run = inFlight.track(
        (async () => {
          store.list()
          await rotator.runDeferred()
          await rotator.rotateDue()
        })(),
      )
      ticking = run
      // Cleared once settled, either way. A `finally` inside the async function would run before
      // the assignment when the first statement throws, leaving a rejected tick behind for good.
      const clear = () => {
        if (ticking === run) ticking = undefined
      }
      run.then(clear, clear)
    }
    return ticking
  }

  const call = async (action: string, params: Record<string, string> = {}) => {
    if (closing) throw closedError()
    const operation = Object.hasOwn(OPERATIONS, action) ? OPERATIONS[action] : undefined
    if (!operation) {
      throw new KmsApiError('InvalidAction.NotFound', 404, `Unknown action ${action}`)
    }
    return inFlight.track(operation(params, context))
  }
  const rotateSecret = async (name: string) => {
    if (closing) throw closedError()
    return inFlight.track(rotator.rotate(store.getActive(name), { manual: false }))
  }
  const checkSecretAccount = (name: string) => call('CheckSecretAccount', { SecretName: name })

  let endpoint = ''
  let port = 0
  // The SDK puts every parameter, including a 30 KB secret value (up to ~90 KB percent-encoded),
  // in the query string, far beyond Node's default 16 KB header limit.
  const server: Server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://emulator')
    } catch {
      sendJson(res, 400, { Code: 'InvalidParameter', Message: 'Malformed request URL.' })
      return
    }
    const handled = url.pathname.startsWith(ADMIN_PREFIX)
      ? handleAdminRequest(req, res, url, {
          faults,
          audit,
          tick,
          rotateSecret,
          checkSecretAccount,
          info: () => ({
            endpoint,
            regionId: config.regionId,
            accessKeyId: config.accessKeys[0]?.accessKeyId,
          }),
          port: () => port,
        })
      : handleApiRequest(req, res, url, {
          authenticator,
          faults,
          audit,
          context,
          delays,
          logger: config.logger,
          isClosing: () => closing,
          track: (work) => inFlight.track(work),
        })
    handled.catch(() => {
      // Handlers answer every error themselves; this only guards against a broken socket.
      res.destroy()
    })
  })
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
    else socket.destroy()
  })
  server.listen(config.port, config.host)
  try {
    await once(server, 'listening')
  } catch (cause) {
    await engines.close()
    throw listenError(config.host, config.port, cause)
  }
  const address = server.address() as AddressInfo
  if (!isLoopback(address.address)) {
    config.logger.warn?.(
      'LISTENING BEYOND LOOPBACK: anyone who can reach this address can read the secrets and, with the test access key, rotate the database accounts; the emulator has no TLS and no production-grade authentication',
      { address: address.address, port: address.port },
    )
  }
  port = address.port
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address
  endpoint = `http://${hostForUrl}:${address.port}`

  const timer =
    config.schedulerIntervalMs > 0
      ? setInterval(() => {
          tick().catch((err: unknown) =>
            config.logger.error?.('scheduler tick failed', safeErrorFields(err)),
          )
        }, config.schedulerIntervalMs)
      : undefined
  timer?.unref()
  config.logger.info?.('kms emulator listening', { endpoint, regionId: config.regionId })

  const firstKey = config.accessKeys[0] as EmulatorAccessKey
  let closed: Promise<void> | undefined
  const emulator: KmsEmulator = {
    endpoint,
    host: address.address,
    port: address.port,
    regionId: config.regionId,
    accessKeyId: firstKey.accessKeyId,
    accessKeySecret: firstKey.accessKeySecret,
    accessKeys: config.accessKeys,
    faults,
    audit: () => audit.list(),
    counters: (action) => audit.countersFor(action),
    allCounters: () => audit.allCounters(),
    resetCounters: () => audit.reset(),
    rotateSecret,
    checkSecretAccount,
    call,
    tick,
    close() {
      closed ??= (async () => {
        closing = true
        if (timer) clearInterval(timer)
        // Hung and delayed requests resume, see `closing` and destroy their sockets.
        faults.releaseHangs()
        delays.releaseAll()
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()))
        server.closeAllConnections()
        await serverClosed
        // Running rotations and account creations still need their engine and the state file.
        if (!(await inFlight.drain(config.closeTimeoutMs))) {
          config.logger.warn?.('close() stopped waiting for running operations', {
            running: inFlight.size,
            closeTimeoutMs: config.closeTimeoutMs,
          })
        }
        rotator.dispose()
        // An operation that outlived the wait must not write the state file after close().
        store.close()
        await engines.close()
        config.logger.info?.('kms emulator closed', { endpoint })
      })()
      return closed
    },
  }
  // Key material stays readable but out of util.inspect and JSON.stringify output.
  for (const key of ['accessKeySecret', 'accessKeys'] as const) {
    Object.defineProperty(emulator, key, { enumerable: false })
  }
  return emulator
}

/** Loopback addresses: 127.0.0.0/8, ::1 and their IPv4-mapped form. */
function isLoopback(address: string): boolean {
  return address === '::1' || /^(::ffff:)?127\./.test(address)
}

/** Why the server could not listen, in words a newcomer acts on (the errno kept as cause). */
function listenError(host: string, port: number, cause: unknown): KmsEmulatorError {
  const code = (cause as NodeJS.ErrnoException | null)?.code
  if (code === 'EADDRINUSE') {
    return new KmsEmulatorError(
      'ADDRESS_IN_USE',
      `Cannot listen on ${host}:${port}: address in use (another process listens there; choose another port, or 0 for a free one)`,
      { cause },
    )
  }
  const reason = typeof code === 'string' ? `: ${code}` : ''
  return new KmsEmulatorError('INVALID_OPTIONS', `Cannot listen on ${host}:${port}${reason}`, {
    cause,
  })
}
