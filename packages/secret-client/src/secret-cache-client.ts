import { LRUCache } from 'lru-cache'
import { classifyError } from './classify-error.js'
import { SecretClientError } from './errors.js'
import type {
  EvictEvent,
  PersistentCacheErrorEvent,
  RefreshErrorEvent,
  RefreshEvent,
  SecretCacheClientEvents,
} from './events.js'
import { optionsFromEnv } from './from-env.js'
import { CacheEntry } from './internal/cache-entry.js'
import { entryLifetime, STALE_RETRY_INTERVAL_MS } from './internal/entry-lifetime.js'
import { Flight } from './internal/flight.js'
import { parseSecretJson, ttlFromJson } from './internal/parse-secret-json.js'
import { type ResolvedConfig, resolveConfig } from './internal/resolve-config.js'
import { runWithRetry } from './internal/run-with-retry.js'
import { safeLog } from './internal/safe-log.js'
import { type ClientTelemetry, clientTelemetry } from './internal/telemetry.js'
import { TypedEmitter } from './internal/typed-emitter.js'
import { waitFor } from './internal/wait-for.js'
import { createKmsFetcher } from './kms/create-kms-fetcher.js'
import type { SecretCacheClientOptions } from './options.js'
import { type PersistedValue, PersistentCache, PersistentCacheFailure } from './persistent-cache.js'
import { SecretInfo } from './secret-info.js'
import type {
  DatabaseCredentials,
  GetSecretOptions,
  SecretFetcher,
  SecretRecord,
  VersionStage,
} from './types.js'

const EVENTS: ReadonlySet<string> = new Set([
  'refresh',
  'refreshError',
  'stale',
  'evict',
  'persistentCacheError',
])

function closedError(secretName?: string): SecretClientError {
  return new SecretClientError('CLOSED', 'SecretCacheClient is closed', { secretName })
}

function abortedError(secretName: string, reason: unknown): SecretClientError {
  return new SecretClientError('ABORTED', `secret "${secretName}": aborted`, {
    cause: reason,
    secretName,
  })
}

function invalidArgument(message: string): SecretClientError {
  return new SecretClientError('INVALID_ARGUMENT', message)
}

/**
 * Checks the options of a read: an object of known keys with an `AbortSignal`. A stage passed as
 * the second argument (`getSecretValue(name, 'ACSPrevious')`), a misspelt key or a signal-like
 * value would otherwise be ignored and the wrong version read, or crash later. No allocation: it
 * runs on the hot path whenever options are given.
 */
function checkReadOptions(options: GetSecretOptions): void {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument('options must be an object { versionStage?, signal? }')
  }
  for (const key in options) {
    if (key !== 'versionStage' && key !== 'signal') {
      throw invalidArgument(
        `Unknown read option ${JSON.stringify(key.slice(0, 64))}: expected versionStage or signal`,
      )
    }
  }
  const signal: unknown = options.signal
  if (
    signal !== undefined &&
    (signal === null ||
      typeof (signal as AbortSignal).aborted !== 'boolean' ||
      typeof (signal as AbortSignal).addEventListener !== 'function' ||
      typeof (signal as AbortSignal).removeEventListener !== 'function')
  ) {
    throw invalidArgument('options.signal must be an AbortSignal')
  }
}

function invalidValue(entry: CacheEntry, problem: string): SecretClientError {
  const { secretName, versionId } = entry.info
  return new SecretClientError(
    'INVALID_SECRET_VALUE',
    `secret "${secretName}" (version ${versionId}) ${problem}`,
    { secretName },
  )
}

/** Rejects a malformed fetcher result; the message names the field, never its content. */
function toSecretInfo(record: SecretRecord, secretName: string): SecretInfo {
  const bad = (field: string): SecretClientError =>
    new SecretClientError(
      'KMS_ERROR',
      `secret "${secretName}": fetcher returned no valid ${field}`,
      {
        secretName,
      },
    )
  if (record === null || typeof record !== 'object') throw bad('record')
  if (typeof record.secretName !== 'string' || record.secretName.length === 0) {
    throw bad('secretName')
  }
  if (typeof record.versionId !== 'string' || record.versionId.length === 0) throw bad('versionId')
  if (typeof record.secretValue !== 'string') throw bad('secretValue')
  if (record.secretDataType !== undefined && record.secretDataType !== 'text') {
    if (record.secretDataType !== 'binary') throw bad('secretDataType')
  }
  if (record.versionStages !== undefined && !Array.isArray(record.versionStages)) {
    throw bad('versionStages')
  }
  return new SecretInfo(record)
}

/**
 * Caching client for KMS Secrets Manager.
 *
 * - Reads are cached per secret × stage in a bounded LRU (`maxEntries`), fresh for `ttlMs` (or a
 *   `ttl` field in a JSON value, or `secretTtlMs[name]`), never past `NextRotationDate` + 30 s.
 * - Concurrent misses of one key share one KMS call (single-flight); a caller's `signal` ends only
 *   its own wait.
 * - A hit late in an entry's life returns at once and refreshes in the background (refresh-ahead,
 *   jittered per entry; after a failed refresh the next one waits 5 s or the server's retry-after).
 * - When KMS fails transiently, an expired value is served for up to `maxStaleMs` (`stale` event),
 *   as soon as the first attempt fails; the retries go on in the background.
 * - {@link SecretCacheClient.refreshNow} forces a read, coalesced and rate-limited when the secret did
 *   not change.
 * - Transient failures are retried with full-jitter exponential backoff; each request times out
 *   after `timeoutMs`.
 * - The clock, timers and random source are options (`now`, `timers`, `random`), so fake timers
 *   and simulations drive every deadline, timeout, backoff and jitter of the cache.
 *
 * Every error is a {@link SecretClientError}. Values never appear in errors, events or logs.
 *
 * @example
 * ```ts
 * const client = new SecretCacheClient({ regionId: 'cn-hangzhou' })
 * const { username, password } = await client.getDatabaseCredentials('mydb')
 * await client.close()
 * ```
 */
export class SecretCacheClient {
  readonly #config: ResolvedConfig
  readonly #fetcher: SecretFetcher
  readonly #cache: LRUCache<string, CacheEntry>
  readonly #flights = new Map<string, Flight<CacheEntry>>()
  readonly #events: TypedEmitter<SecretCacheClientEvents>
  readonly #persistent: PersistentCache | undefined
  /** OpenTelemetry instruments; `undefined` without `@opentelemetry/api` (zero cost). */
  readonly #telemetry: ClientTelemetry | undefined
  /** Disk reads under way, one per key, shared by the callers that need them. */
  readonly #restoring = new Map<string, Promise<CacheEntry | undefined>>()
  #closed = false
  #closing: Promise<void> | undefined

  /**
   * @param options - every option is optional when `fetcher` is given; otherwise the KMS options
   *   (`regionId`, `endpoint` or `regions`, `credential`) say where to read from.
   * @throws {@link SecretClientError} `INVALID_CONFIG` naming the first bad option.
   */
  constructor(options: SecretCacheClientOptions = {}) {
    this.#config = resolveConfig(options)
    this.#telemetry = clientTelemetry(options.telemetry)
    this.#persistent =
      options.persistentCache === undefined
        ? undefined
        : new PersistentCache(options.persistentCache, process.env)
    const logger = this.#config.logger
    this.#fetcher =
      options.fetcher ??
      createKmsFetcher({
        regionId: options.regionId,
        endpoint: options.endpoint,
        regions: options.regions,
        credential: options.credential,
        kmsClient: options.kmsClient,
        ca: options.ca,
        timeoutMs: this.#config.timeoutMs,
        logger,
      })
    this.#events = new TypedEmitter<SecretCacheClientEvents>((err, event) => {
      safeLog(logger, 'error', 'secret-client: event listener threw', {
        event,
        error: err instanceof Error ? err.name : typeof err,
      })
    })
    this.#cache = new LRUCache<string, CacheEntry>({
      max: this.#config.maxEntries,
      dispose: (entry, _key, reason) => {
        // Whatever the reason (replaced, deleted, evicted, cleared), its expiry timer goes too.
        entry.disarm()
        // Only LRU pressure is reported here; explicit deletions report their own reason.
        if (reason === 'evict') this.#emitEvict(entry, 'lru')
      },
    })
  }

  /**
   * Builds a client from environment variables (see `optionsFromEnv`), with `overrides` applied on
   * top (an `undefined` override leaves the environment's value).
   * @param env - @default process.env
   */
  static fromEnv(
    env: NodeJS.ProcessEnv | Record<string, string | undefined> = process.env,
    overrides: SecretCacheClientOptions = {},
  ): SecretCacheClient {
    const options: Record<string, unknown> = { ...optionsFromEnv(env) }
    for (const [key, value] of Object.entries(overrides)) {
      if (value !== undefined) options[key] = value
    }
    return new SecretCacheClient(options as SecretCacheClientOptions)
  }

  /**
   * The secret version of `versionStage` (default: the client's `versionStage`), from the cache
   * when fresh.
   * @throws {@link SecretClientError} — `SECRET_NOT_FOUND`, `ACCESS_DENIED`, `THROTTLED`,
   *   `KMS_UNAVAILABLE`, `TIMEOUT` (no usable stale value), `KMS_ERROR`, `ABORTED`, `CLOSED`,
   *   `INVALID_ARGUMENT` (empty name or stage; `options` not an object of `versionStage` and an
   *   `AbortSignal` `signal`).
   */
  async getSecretInfo(secretName: string, options?: GetSecretOptions): Promise<SecretInfo> {
    const entry = this.#hit(secretName, options)
    if (entry !== undefined) return entry.info
    return (await this.#load(secretName, options)).info
  }

  /**
   * The value of a text secret.
   * @throws {@link SecretClientError} `INVALID_SECRET_VALUE` for a binary secret, and every error of
   *   {@link SecretCacheClient.getSecretInfo}.
   */
  async getStringValue(secretName: string, options?: GetSecretOptions): Promise<string> {
    const entry = this.#hit(secretName, options) ?? (await this.#load(secretName, options))
    if (entry.info.secretDataType === 'binary') {
      throw invalidValue(entry, 'is binary; read it with getBinaryValue()')
    }
    return entry.info.secretValue
  }

  /**
   * The value as bytes: a binary secret base64-decoded, a text secret UTF-8 encoded. Each call
   * returns a new array.
   * @throws {@link SecretClientError} `INVALID_SECRET_VALUE` when a binary value is not base64, and
   *   every error of {@link SecretCacheClient.getSecretInfo}.
   */
  async getBinaryValue(secretName: string, options?: GetSecretOptions): Promise<Uint8Array> {
    const entry = this.#hit(secretName, options) ?? (await this.#load(secretName, options))
    return entry.bytes()
  }

  /**
   * The value parsed as JSON, once per version. The result is deeply frozen and shared between
   * callers; copy it before changing it.
   * @throws {@link SecretClientError} `INVALID_SECRET_VALUE` when the value is binary or not JSON
   *   (the message never quotes the value), and every error of
   *   {@link SecretCacheClient.getSecretInfo}.
   */
  async getJsonValue<T = unknown>(secretName: string, options?: GetSecretOptions): Promise<T> {
    const entry = this.#hit(secretName, options) ?? (await this.#load(secretName, options))
    const json = entry.json
    if (!json.ok) {
      throw invalidValue(entry, json.reason === 'binary' ? 'is binary, not JSON' : 'is not JSON')
    }
    return json.value as T
  }

  /**
   * Database credentials from an Rds/PolarDB/Redis secret (`AccountName`/`AccountPassword`) or a
   * generic JSON secret (`username`/`password`), parsed once per version; host, port and database
   * from the value or else from `ExtendedConfig.CustomData`. See `parseDatabaseCredentials`.
   * @throws {@link SecretClientError} `INVALID_SECRET_VALUE` naming the missing or bad field, and
   *   every error of {@link SecretCacheClient.getSecretInfo}.
   */
  async getDatabaseCredentials(
    secretName: string,
    options?: GetSecretOptions,
  ): Promise<DatabaseCredentials> {
    const entry = this.#hit(secretName, options) ?? (await this.#load(secretName, options))
    return entry.databaseCredentials()
  }

  /**
   * The cached database credentials of a secret, synchronously, when a read would be a cache hit
   * (a fresh value, or a stale one being served while KMS fails transiently); `undefined` when it
   * would have to wait for KMS (a miss, an expired value) or the value is not credentials. Like a
   * hit, it starts a refresh-ahead when one is due. Drivers use it to start a connect in the same
   * tick as the driver they wrap; anything else should use {@link getDatabaseCredentials}.
   * @throws {@link SecretClientError} `CLOSED` after `close()`, `ABORTED` for an aborted signal,
   *   `INVALID_ARGUMENT` for bad options.
   */
  peekDatabaseCredentials(
    secretName: string,
    options?: GetSecretOptions,
  ): DatabaseCredentials | undefined {
    const entry = this.#hit(secretName, options)
    if (entry === undefined) return undefined
    try {
      return entry.databaseCredentials()
    } catch {
      // Not credentials: the asynchronous read reports it.
      return undefined
    }
  }

  /**
   * Reads the secret from KMS now, e.g. after the database rejected the cached password.
   *
   * - Concurrent calls share one KMS call. A call never reuses a request that was already sent
   *   before it was made (that could return the version it is trying to get past): it joins a
   *   fetch not yet sent, or waits for one follow-up fetch shared by every call that arrived
   *   meanwhile.
   * - When a forced read finds the same version as before, calls within `minRefreshIntervalMs`
   *   return it without calling KMS. The first load and a read that found a new version do not
   *   arm this limit, so a rotation right after start-up is picked up at once.
   * - Errors are thrown (no stale fallback); a transient error keeps the cached entry.
   *
   * @throws {@link SecretClientError} — `SECRET_NOT_FOUND`, `ACCESS_DENIED` (both evict the entry),
   *   `THROTTLED`, `KMS_UNAVAILABLE`, `TIMEOUT`, `KMS_ERROR`, `ABORTED` (this caller's signal),
   *   `CLOSED`, `INVALID_ARGUMENT` (empty secret name or stage, bad options).
   */
  async refreshNow(secretName: string, options?: GetSecretOptions): Promise<SecretInfo> {
    if (this.#closed) throw closedError(secretName)
    if (options !== undefined) checkReadOptions(options)
    const signal = options?.signal
    if (signal?.aborted) throw abortedError(secretName, signal.reason)
    const stage = options?.versionStage ?? this.#config.versionStage
    const key = this.#key(secretName, stage)
    const entry = this.#cache.get(key)
    if (entry !== undefined && this.#config.now() < entry.noChangeUntil) return entry.info
    let flight = this.#flights.get(key)
    if (flight === undefined) {
      flight = this.#startFlight(key, secretName, stage, 'refresh-now', false, undefined)
    } else if (!flight.started) {
      if (flight.reason !== 'miss') flight.reason = 'refresh-now'
    } else {
      // A follow-up whose callers all aborted is dead; queue a fresh one.
      if (flight.next === undefined || flight.next.controller.signal.aborted) {
        flight.next = this.#startFlight(key, secretName, stage, 'refresh-now', false, flight)
      }
      flight = flight.next
    }
    const fetched = await flight.join(signal, (reason) => abortedError(secretName, reason))
    return fetched.info
  }

  /**
   * Subscribes to an event; payloads carry names, version ids, codes and durations, never values.
   * A listener that throws is logged (`logger.error`) and does not affect the read.
   * @throws {@link SecretClientError} `INVALID_ARGUMENT` for an unknown event name or a listener
   *   that is not a function.
   */
  on<K extends keyof SecretCacheClientEvents>(
    event: K,
    listener: (payload: SecretCacheClientEvents[K]) => void,
  ): this {
    this.#checkListener(event, listener)
    this.#events.on(event, listener)
    return this
  }

  /**
   * Removes a listener added with {@link SecretCacheClient.on}.
   * @throws {@link SecretClientError} `INVALID_ARGUMENT` for an unknown event name or a listener
   *   that is not a function.
   */
  off<K extends keyof SecretCacheClientEvents>(
    event: K,
    listener: (payload: SecretCacheClientEvents[K]) => void,
  ): this {
    this.#checkListener(event, listener)
    this.#events.off(event, listener)
    return this
  }

  /**
   * Cancels every in-flight request and retry wait (their callers get `CLOSED`), empties the cache
   * (an `evict` event with reason `close` per entry), closes the fetcher and removes listeners.
   * The built-in KMS fetcher destroys its HTTP requests in flight and its idle keep-alive sockets,
   * so nothing of this client keeps the process alive (a user-supplied `kmsClient`'s requests run
   * on to that SDK's own timeout).
   * Later calls throw `CLOSED`. Idempotent: every call returns the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    this.#closed = true
    const pending: Promise<unknown>[] = []
    for (const flight of this.#flights.values()) {
      for (let f: Flight<CacheEntry> | undefined = flight; f !== undefined; f = f.next) {
        pending.push(f.promise)
        f.controller.abort(closedError())
      }
    }
    for (const entry of this.#cache.values()) this.#emitEvict(entry, 'close')
    this.#cache.clear()
    await Promise.allSettled(pending)
    await Promise.allSettled([...this.#restoring.values()])
    // Writes under way finish (a closed client leaves no half-written temporary file behind).
    await this.#persistent?.flush()
    try {
      await this.#fetcher.close?.()
    } catch (err) {
      safeLog(this.#config.logger, 'warn', 'secret-client: fetcher.close() failed', {
        error: err instanceof Error ? err.name : typeof err,
      })
    }
    this.#events.clear()
  }

  #checkListener(event: unknown, listener: unknown): void {
    if (typeof event !== 'string' || !EVENTS.has(event)) {
      throw invalidArgument(`unknown event; expected one of ${[...EVENTS].join(', ')}`)
    }
    if (typeof listener !== 'function') throw invalidArgument('listener must be a function')
  }

  /** Cache key: the name alone for the default stage (no string building on the hot path). */
  #key(secretName: string, stage: VersionStage): string {
    if (typeof secretName !== 'string' || secretName.length === 0 || secretName.includes('\0')) {
      throw invalidArgument('secretName must be a non-empty string')
    }
    if (stage === this.#config.versionStage) return secretName
    if (typeof stage !== 'string' || stage.length === 0 || stage.includes('\0')) {
      throw invalidArgument('versionStage must be a non-empty string')
    }
    return `${secretName}\0${stage}`
  }

  /**
   * The hot path: a usable cached entry, or `undefined` when the caller must load. Creates no
   * closure, promise, signal or key string on a fresh hit of the default stage, and reads no
   * clock: the entry's timer keeps `refreshDue` / `expired` current.
   */
  #hit(secretName: string, options: GetSecretOptions | undefined): CacheEntry | undefined {
    if (this.#closed) throw closedError(secretName)
    if (options !== undefined) checkReadOptions(options)
    const signal = options?.signal
    if (signal?.aborted) throw abortedError(secretName, signal.reason)
    const stage = options?.versionStage ?? this.#config.versionStage
    const key = this.#key(secretName, stage)
    const entry = this.#cache.get(key)
    if (entry === undefined) return undefined
    if (!entry.expired) {
      if (entry.refreshDue && !this.#flights.has(key)) {
        this.#startFlight(key, secretName, stage, 'refresh-ahead', true, undefined)
      }
      this.#telemetry?.hit()
      return entry
    }
    // Expired, but a refresh just failed transiently: serve the stale value without waiting.
    if (entry.staleRetryAt !== 0 && this.#config.now() < entry.staleRetryAt) {
      this.#telemetry?.hit()
      return entry
    }
    return undefined
  }

  /**
   * Miss or expired read: join or start the key's flight; stale-if-error on transient failure.
   * With a usable stale value the caller waits for one attempt only: after a transient failure it
   * gets the stale value while the flight goes on retrying in the background.
   */
  async #load(secretName: string, options: GetSecretOptions | undefined): Promise<CacheEntry> {
    this.#telemetry?.miss()
    const stage = options?.versionStage ?? this.#config.versionStage
    const key = this.#key(secretName, stage)
    const cached = this.#cache.peek(key)
    const flight =
      this.#flights.get(key) ??
      this.#startFlight(
        key,
        secretName,
        stage,
        cached === undefined ? 'miss' : 'expired',
        false,
        undefined,
      )
    const toError = (reason: unknown): SecretClientError => abortedError(secretName, reason)
    if (cached === undefined && this.#persistent !== undefined) {
      return this.#loadCold(key, secretName, stage, flight, options?.signal, toError)
    }
    try {
      if (cached !== undefined && this.#config.now() < cached.expiresAt + this.#config.maxStaleMs) {
        // Whoever leaves early with the stale value, the retries must still refresh the entry.
        flight.pin()
        return await waitFor(
          Promise.race([flight.promise, flight.retrying]),
          options?.signal,
          toError,
        )
      }
      return await flight.join(options?.signal, toError)
    } catch (err) {
      if (!(err instanceof SecretClientError) || !err.retryable) throw err
      const current = this.#cache.peek(key)
      const now = this.#config.now()
      if (current === undefined || now >= current.expiresAt + this.#config.maxStaleMs) throw err
      if (now >= current.expiresAt && !flight.staleServed) {
        flight.staleServed = true
        this.#markStale(current, err, now)
      }
      return current
    }
  }

  /**
   * A miss with the persistent cache on: as with a stale entry in memory, the caller waits for one
   * attempt only. When it fails transiently, the value saved on disk is served if it expired less
   * than `maxStaleMs` ago, while the flight goes on retrying; otherwise the caller waits for the
   * flight as on any miss. The disk is read only then: never while KMS answers.
   */
  async #loadCold(
    key: string,
    secretName: string,
    stage: string,
    flight: Flight<CacheEntry>,
    signal: AbortSignal | undefined,
    toError: (reason: unknown) => SecretClientError,
  ): Promise<CacheEntry> {
    try {
      flight.pin()
      return await waitFor(Promise.race([flight.promise, flight.retrying]), signal, toError)
    } catch (err) {
      if (!(err instanceof SecretClientError) || !err.retryable || err.code === 'ABORTED') throw err
      const entry = this.#cache.peek(key) ?? (await this.#restore(key, secretName, stage))
      if (entry === undefined || this.#config.now() >= entry.expiresAt + this.#config.maxStaleMs) {
        return await flight.join(signal, toError)
      }
      if (!flight.staleServed) {
        flight.staleServed = true
        this.#markStale(entry, err, this.#config.now(), 'disk')
      }
      return entry
    }
  }

  /** Puts the value saved on disk into the cache as an expired entry; one read per key at a time. */
  #restore(key: string, secretName: string, stage: string): Promise<CacheEntry | undefined> {
    let restoring = this.#restoring.get(key)
    if (restoring === undefined) {
      restoring = this.#readDisk(key, secretName, stage)
      this.#restoring.set(key, restoring)
      const done = (): void => {
        this.#restoring.delete(key)
      }
      restoring.then(done, done)
    }
    return restoring
  }

  async #readDisk(key: string, secretName: string, stage: string): Promise<CacheEntry | undefined> {
    const persistent = this.#persistent as PersistentCache
    let saved: PersistedValue | undefined
    try {
      saved = await persistent.load(secretName, stage)
    } catch (err) {
      this.#persistentCacheError(secretName, stage, err)
      return undefined
    }
    if (saved === undefined || this.#closed) return undefined
    // Meanwhile KMS may have answered: the fresh value wins.
    const current = this.#cache.peek(key)
    if (current !== undefined) return current
    let info: SecretInfo
    try {
      info = toSecretInfo(saved.record, secretName)
    } catch {
      this.#persistentCacheError(secretName, stage, new PersistentCacheFailure('corrupt'))
      return undefined
    }
    const now = this.#config.now()
    // Expired from the start (never served while KMS answers) and never later than saved: a
    // restart does not extend the maxStaleMs bound.
    const expiresAt = Math.min(saved.expiresAt, now)
    const entry = new CacheEntry(secretName, stage, info, parseSecretJson(info), {
      expiresAt,
      refreshAt: expiresAt,
    })
    this.#cache.set(key, entry)
    entry.arm(this.#config, now)
    return entry
  }

  #persistentCacheError(secretName: string, stage: string, err: unknown): void {
    const payload: PersistentCacheErrorEvent = {
      secretName,
      versionStage: stage,
      problem: err instanceof PersistentCacheFailure ? err.problem : 'read-failed',
    }
    safeLog(this.#config.logger, 'warn', 'secret-client: persistent cache file not used', {
      ...payload,
    })
    this.#events.emit('persistentCacheError', payload)
  }

  #markStale(
    entry: CacheEntry,
    err: SecretClientError,
    now: number,
    source: 'memory' | 'disk' = 'memory',
  ): void {
    entry.staleRetryAt = Math.min(
      now + Math.max(STALE_RETRY_INTERVAL_MS, err.retryAfterMs ?? 0),
      entry.expiresAt + this.#config.maxStaleMs,
    )
    const payload = {
      secretName: entry.secretName,
      versionStage: entry.versionStage,
      versionId: entry.info.versionId,
      staleForMs: now - entry.expiresAt,
      code: err.code,
      source,
    }
    this.#telemetry?.stale(source)
    safeLog(this.#config.logger, 'warn', 'secret-client: serving stale secret', { ...payload })
    this.#events.emit('stale', payload)
  }

  /**
   * Creates a flight. Without `after` it becomes the key's current flight and fetches after one
   * microtask (so `refreshNow` calls made in the same tick join it); with `after` it is the
   * follow-up of that flight and starts when it settles.
   */
  #startFlight(
    key: string,
    secretName: string,
    stage: string,
    reason: RefreshEvent['reason'],
    background: boolean,
    after: Flight<CacheEntry> | undefined,
  ): Flight<CacheEntry> {
    const flight = new Flight<CacheEntry>(reason, background, (abandoned) =>
      this.#abandon(key, secretName, abandoned),
    )
    flight.promise = this.#run(flight, key, secretName, stage, after)
    const settled = (): void => {
      flight.settle()
      if (this.#flights.get(key) === flight) this.#advance(key, flight)
    }
    // Registered before any caller joins, so the key's slot is updated before callers resume; it
    // also marks the rejection handled (background refreshes have no caller).
    flight.promise.then(settled, settled)
    if (after === undefined) this.#flights.set(key, flight)
    return flight
  }

  /** Every caller of a foreground flight aborted: stop fetching for nobody. */
  #abandon(key: string, secretName: string, flight: Flight<CacheEntry>): void {
    flight.controller.abort(abortedError(secretName, undefined))
    if (this.#flights.get(key) === flight) this.#advance(key, flight)
  }

  /**
   * The key's current flight is done: its follow-up takes over, unless every caller of that
   * follow-up already aborted — a later caller must start a fresh fetch, not inherit `ABORTED`.
   */
  #advance(key: string, flight: Flight<CacheEntry>): void {
    const next = flight.next
    if (next === undefined || next.controller.signal.aborted) this.#flights.delete(key)
    else this.#flights.set(key, next)
  }

  async #run(
    flight: Flight<CacheEntry>,
    key: string,
    secretName: string,
    stage: string,
    after: Flight<CacheEntry> | undefined,
  ): Promise<CacheEntry> {
    if (after === undefined) await undefined
    else await after.promise.then(noop, noop)
    const signal = flight.controller.signal
    if (signal.aborted) throw signal.reason
    const config = this.#config
    if (after !== undefined) {
      // The flight we queued behind found no new version: that answers this refreshNow too.
      const current = this.#cache.peek(key)
      if (current !== undefined && config.now() < current.noChangeUntil) return current
    }
    flight.started = true
    const startedAt = config.now()
    let info: SecretInfo
    try {
      const record = await runWithRetry({
        attempt: (attemptSignal) => {
          const fetched = this.#fetcher.fetchSecret({
            secretName,
            versionStage: stage,
            signal: attemptSignal,
          })
          const end = this.#telemetry?.kmsAttempt(secretName, stage, flight.attempts)
          if (end === undefined) return fetched
          return Promise.resolve(fetched).then(
            (record) => {
              end('ok')
              return record
            },
            (err: unknown) => {
              end(classifyError(err, secretName, config.now).code)
              throw err
            },
          )
        },
        classify: (err) => classifyError(err, secretName, config.now),
        timeoutError: () =>
          new SecretClientError(
            'TIMEOUT',
            `secret "${secretName}": KMS request timed out after ${config.timeoutMs} ms`,
            { secretName },
          ),
        policy: config.retry,
        timeoutMs: config.timeoutMs,
        signal,
        random: config.random,
        timers: config.timers,
        onAttempt: (attempt) => {
          flight.attempts = attempt
        },
        onRetry: (err, attempt, delayMs) => {
          flight.retryScheduled(err)
          safeLog(config.logger, 'debug', 'secret-client: retrying KMS read', {
            secretName,
            versionStage: stage,
            attempt,
            code: err.code,
            kmsCode: err.kmsCode,
            delayMs,
          })
        },
      })
      info = toSecretInfo(record, secretName)
    } catch (err) {
      throw this.#failed(flight, key, secretName, stage, err, config.now() - startedAt)
    }
    if (signal.aborted) throw signal.reason
    return this.#store(flight, key, secretName, stage, info, config.now() - startedAt)
  }

  #store(
    flight: Flight<CacheEntry>,
    key: string,
    secretName: string,
    stage: string,
    info: SecretInfo,
    durationMs: number,
  ): CacheEntry {
    const config = this.#config
    const now = config.now()
    const previous = this.#cache.peek(key)
    const sameValue =
      previous !== undefined &&
      previous.info.versionId === info.versionId &&
      previous.info.secretDataType === info.secretDataType &&
      previous.info.secretValue === info.secretValue
    const json = sameValue ? previous.json : parseSecretJson(info)
    const ttlMs = ttlFromJson(json) ?? config.secretTtlMs.get(secretName) ?? config.ttlMs
    const lifetime = entryLifetime(
      now,
      ttlMs,
      info.nextRotationDate,
      config.refreshAheadRatio,
      config.random,
      config.rotationSpreadMs,
    )
    const entry = new CacheEntry(secretName, stage, info, json, lifetime)
    if (sameValue) entry.inheritMemos(previous)
    const changed = previous === undefined || previous.info.versionId !== info.versionId
    if (!changed) {
      // Same version: a forced refresh arms the rate limit; any other refresh keeps it.
      entry.noChangeUntil =
        flight.reason === 'refresh-now' ? now + config.minRefreshIntervalMs : previous.noChangeUntil
    }
    this.#cache.set(key, entry)
    entry.arm(config, now)
    if (this.#persistent !== undefined) {
      this.#persistent
        .save(info, stage, entry.expiresAt)
        .catch((err: unknown) => this.#persistentCacheError(secretName, stage, err))
    }
    const payload: RefreshEvent = {
      secretName,
      versionStage: stage,
      versionId: info.versionId,
      previousVersionId: previous?.info.versionId,
      changed,
      reason: flight.reason,
      durationMs,
      attempts: flight.attempts,
    }
    this.#telemetry?.refresh(flight.reason, changed, changed && previous !== undefined, secretName)
    safeLog(config.logger, 'debug', 'secret-client: secret fetched', { ...payload })
    this.#events.emit('refresh', payload)
    return entry
  }

  #failed(
    flight: Flight<CacheEntry>,
    key: string,
    secretName: string,
    stage: string,
    err: unknown,
    durationMs: number,
  ): SecretClientError {
    const config = this.#config
    const error = classifyError(err, secretName, config.now)
    if (flight.controller.signal.aborted) {
      // Closed, or every caller gave up: nothing failed on the KMS side worth reporting.
      safeLog(config.logger, 'debug', 'secret-client: KMS read cancelled', {
        secretName,
        versionStage: stage,
        code: error.code,
      })
      return error
    }
    const entry = this.#cache.peek(key)
    const payload: RefreshErrorEvent = {
      secretName,
      versionStage: stage,
      reason: flight.reason,
      code: error.code,
      kmsCode: error.kmsCode,
      previousVersionId: entry?.info.versionId,
      durationMs,
      attempts: flight.attempts,
    }
    safeLog(config.logger, 'warn', 'secret-client: KMS read failed', { ...payload })
    this.#events.emit('refreshError', payload)
    if (entry !== undefined) {
      const now = config.now()
      if (error.code === 'SECRET_NOT_FOUND') this.#evict(key, entry, 'not-found')
      else if (error.code === 'ACCESS_DENIED') this.#evict(key, entry, 'access-denied')
      else if (error.retryable && now >= entry.expiresAt + config.maxStaleMs) {
        this.#evict(key, entry, 'stale-limit')
      } else {
        // Refresh-ahead is once per back-off interval, not once per hit, while KMS keeps failing.
        entry.deferRefresh(now + Math.max(STALE_RETRY_INTERVAL_MS, error.retryAfterMs ?? 0), now)
      }
    }
    return error
  }

  #evict(key: string, entry: CacheEntry, reason: EvictEvent['reason']): void {
    this.#cache.delete(key)
    this.#emitEvict(entry, reason)
  }

  #emitEvict(entry: CacheEntry, reason: EvictEvent['reason']): void {
    const payload: EvictEvent = {
      secretName: entry.secretName,
      versionStage: entry.versionStage,
      versionId: entry.info.versionId,
      reason,
    }
    safeLog(
      this.#config.logger,
      reason === 'lru' || reason === 'close' ? 'debug' : 'warn',
      'secret-client: entry evicted',
      {
        ...payload,
      },
    )
    this.#events.emit('evict', payload)
  }
}

function noop(): void {}
