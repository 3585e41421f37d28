import { setMaxListeners } from 'node:events'
import { classifyError } from '../classify-error.js'
import { SecretClientError } from '../errors.js'
import { assertKnownKeys } from '../internal/known-keys.js'
import { safeLog } from '../internal/safe-log.js'
import type { RegionConfig, SecretCacheClientOptions } from '../options.js'
import type { FetchSecretRequest, Logger, SecretFetcher, SecretRecord } from '../types.js'
import { assertCredentialOption, CredentialSource } from './credential-source.js'
import type { GetSecretValueSender } from './get-secret-value-sender.js'
import { createOpenApiSender } from './openapi-sender.js'
import { abortError, raceSignal } from './race-signal.js'
import { RegionRouter, type RegionRoutingOptions } from './region-router.js'
import { assertRegionId, resolveEndpoint } from './resolve-endpoint.js'
import { toSecretRecord } from './to-secret-record.js'
import { createUserClientSender } from './user-client-sender.js'

/**
 * Options of {@link createKmsFetcher}: the KMS part of {@link SecretCacheClientOptions}, plus
 * router tuning.
 */
export type KmsFetcherOptions = Pick<
  SecretCacheClientOptions,
  'regionId' | 'endpoint' | 'regions' | 'credential' | 'kmsClient' | 'ca' | 'timeoutMs' | 'logger'
> & {
  /** Region routing tuning (clock, cool-down); mostly for tests. */
  routing?: RegionRoutingOptions
}

interface Region {
  regionId: string
  /** Where requests go, for logs (`kms.cn-hangzhou.aliyuncs.com`, `custom client`). */
  target: string
  send: GetSecretValueSender
  /** Releases the region's sockets (built-in clients only). */
  close?(): void
}

const DEFAULT_TIMEOUT_MS = 5000

/** Every key of a {@link RegionConfig}. */
const REGION_KEYS = ['regionId', 'endpoint', 'vpc', 'ca'] as const satisfies ReadonlyArray<
  keyof RegionConfig
>

function invalid(message: string): SecretClientError {
  return new SecretClientError('INVALID_CONFIG', message)
}

function resolveTimeout(timeoutMs: unknown): number {
  if (timeoutMs === undefined) return DEFAULT_TIMEOUT_MS
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw invalid('timeoutMs must be a positive number of milliseconds')
  }
  return timeoutMs
}

function resolveCa(ca: unknown, option: string): string | undefined {
  if (ca === undefined) return undefined
  const list: unknown[] = Array.isArray(ca) ? ca : [ca]
  if (
    list.length === 0 ||
    !list.every((pem) => typeof pem === 'string' && pem.includes('-----BEGIN CERTIFICATE-----'))
  ) {
    throw invalid(`${option} must be PEM certificate text (or a list of them)`)
  }
  // Node's TLS accepts several concatenated PEM certificates; the SDK passes one string through.
  return list.join('\n')
}

function builtInRegions(
  options: KmsFetcherOptions,
  credential: CredentialSource,
  timeoutMs: number,
): Region[] {
  const ca = resolveCa(options.ca, 'ca')
  const build = (
    regionId: string,
    endpoint: unknown,
    vpc: boolean,
    regionCa: string | undefined,
    option: string,
  ): Region => {
    const resolved = resolveEndpoint(endpoint, regionId, vpc, `${option}endpoint`)
    const sender = createOpenApiSender({
      endpoint: resolved,
      regionId,
      credential,
      timeoutMs,
      ca: regionCa ?? ca,
    })
    return {
      regionId,
      target: `${resolved.protocol.toLowerCase()}://${resolved.host}`,
      send: sender.send,
      close: sender.close,
    }
  }
  if (options.regions !== undefined) {
    if (!Array.isArray(options.regions) || options.regions.length === 0) {
      throw invalid('regions must be a non-empty array of { regionId, endpoint?, vpc?, ca? }')
    }
    return options.regions.map((region: unknown, i) => {
      const option = `regions[${i}].`
      if (region === null || typeof region !== 'object') {
        throw invalid(`${option.slice(0, -1)} must be an object { regionId, endpoint?, vpc?, ca? }`)
      }
      assertKnownKeys(region, REGION_KEYS, `option ${option}`)
      const { regionId, endpoint, vpc, ca: regionCa } = region as Record<string, unknown>
      assertRegionId(regionId, `${option}regionId`)
      if (vpc !== undefined && typeof vpc !== 'boolean') {
        throw invalid(`${option}vpc must be a boolean`)
      }
      return build(regionId, endpoint, vpc === true, resolveCa(regionCa, `${option}ca`), option)
    })
  }
  if (options.regionId === undefined && options.endpoint === undefined) {
    throw invalid(
      'one of regionId, endpoint or regions is required to reach KMS (from the environment: cache_client_region_id or ALIBABA_CLOUD_REGION_ID)',
    )
  }
  if (options.regionId !== undefined) assertRegionId(options.regionId, 'regionId')
  // An endpoint alone (a local emulator, a dedicated gateway) needs no region id to be signed.
  return [build(options.regionId ?? 'default', options.endpoint, false, undefined, '')]
}

/**
 * Builds the KMS {@link SecretFetcher}: GetSecretValue with `FetchExtendedConfig=true`, every
 * response field mapped into the {@link SecretRecord}, routed over one or several regions.
 *
 * - Built-in clients send through `@alicloud/openapi-client` (ACS3-HMAC-SHA256, honours `ca`);
 *   a user-supplied `kmsClient` of any SDK generation is used as is.
 * - With several `regions`, each call goes to the healthiest region (moving average of real
 *   latency, unmeasured regions tried first); a transient failure (throttling, unavailable,
 *   timeout, network) fails over to the next region at once and cools the failed region down;
 *   not-found and access-denied errors are returned as they are.
 * - Each region gets a share of `timeoutMs`: the time left divided by the regions left to try. A
 *   region that hangs times out at its share and the call fails over within the same attempt.
 * - No retries with delays: the caller (the cache) owns backoff. `request.signal` aborts at once;
 *   with a built-in client the HTTP request is destroyed too, and `close()` destroys the sockets.
 *
 * Failures are {@link SecretClientError}s (see `classifyError`), except an abort, which rejects
 * with the signal's reason when it is a {@link SecretClientError} (the cache's `TIMEOUT`) or a
 * `TimeoutError`, and with an `AbortError` `DOMException` otherwise.
 *
 * @throws {@link SecretClientError} `INVALID_CONFIG` naming the bad option.
 */
export function createKmsFetcher(options: KmsFetcherOptions): SecretFetcher {
  if (options === null || typeof options !== 'object') {
    throw invalid('KMS fetcher options must be an object')
  }
  const timeoutMs = resolveTimeout(options.timeoutMs)
  const logger = options.logger
  if (logger !== undefined && (logger === null || typeof logger !== 'object')) {
    throw invalid('logger must be an object with debug/info/warn/error methods')
  }
  let regions: Region[]
  if (options.kmsClient !== undefined) {
    if (options.regionId !== undefined) assertRegionId(options.regionId, 'regionId')
    regions = [
      {
        regionId: options.regionId ?? 'default',
        target: 'custom kmsClient',
        send: createUserClientSender(options.kmsClient, timeoutMs),
      },
    ]
  } else {
    assertCredentialOption(options.credential)
    regions = builtInRegions(options, new CredentialSource(options.credential), timeoutMs)
  }
  return new KmsFetcher(
    regions,
    new RegionRouter(
      regions.map((region) => region.regionId),
      options.routing,
    ),
    timeoutMs,
    logger,
  )
}

/** The SDKs' HTTP layer (httpx) names its timeouts `RequestTimeoutError`; make them `TIMEOUT`. */
function normalizeSdkError(err: unknown, secretName: string, target: string): SecretClientError {
  if (err instanceof Error && err.name === 'RequestTimeoutError') {
    return new SecretClientError(
      'TIMEOUT',
      `secret "${secretName}": KMS request to ${target} timed out`,
      { cause: err, secretName },
    )
  }
  return classifyError(err, secretName)
}

/** Whether an abort reason means "too slow" (the cache's per-attempt timeout), not "give up". */
function isTimeout(reason: unknown): boolean {
  if (reason instanceof SecretClientError) return reason.code === 'TIMEOUT'
  return reason instanceof Error && reason.name === 'TimeoutError'
}

class KmsFetcher implements SecretFetcher {
  readonly #regions: readonly Region[]
  readonly #router: RegionRouter
  readonly #timeoutMs: number
  readonly #logger: Logger | undefined
  readonly #closing = new AbortController()

  constructor(
    regions: readonly Region[],
    router: RegionRouter,
    timeoutMs: number,
    logger: Logger | undefined,
  ) {
    this.#regions = regions
    this.#router = router
    this.#timeoutMs = timeoutMs
    this.#logger = logger
    // Every in-flight call listens for close(); that is not a leak.
    setMaxListeners(0, this.#closing.signal)
  }

  async fetchSecret(request: FetchSecretRequest): Promise<SecretRecord> {
    if (this.#closing.signal.aborted) throw abortError(this.#closing.signal)
    const { secretName, versionStage, signal } = request
    if (typeof secretName !== 'string' || secretName === '') {
      throw new SecretClientError('INVALID_ARGUMENT', 'secretName must be a non-empty string')
    }
    if (typeof versionStage !== 'string' || versionStage === '') {
      throw new SecretClientError(
        'INVALID_ARGUMENT',
        `secret "${secretName}": versionStage is empty`,
        {
          secretName,
        },
      )
    }
    if (signal?.aborted) throw abortError(signal)
    const plan = this.#router.plan()
    // Wall-clock budget of the whole call (the router's clock may be a test's fake one).
    const deadline = Date.now() + this.#timeoutMs
    let lastError: SecretClientError | undefined
    for (const [step, index] of plan.entries()) {
      const region = this.#regions[index]!
      const started = this.#router.now()
      const shareMs = Math.max(1, (deadline - Date.now()) / (plan.length - step))
      let response: unknown
      try {
        response = await this.#send(region, { secretName, versionStage }, signal, shareMs)
      } catch (err) {
        if (this.#closing.signal.aborted) throw abortError(this.#closing.signal)
        if (signal?.aborted) {
          // The caller's per-attempt timeout means this region was too slow: steer the next
          // attempt elsewhere. A plain abort says nothing about the region.
          if (isTimeout(signal.reason)) this.#router.failed(index)
          throw abortError(signal)
        }
        const error = normalizeSdkError(err, secretName, region.target)
        if (!error.retryable) throw error
        this.#router.failed(index)
        lastError = error
        const next = plan[step + 1]
        safeLog(this.#logger, 'warn', 'secret-client: KMS region failed transiently', {
          secretName,
          regionId: region.regionId,
          endpoint: region.target,
          code: error.code,
          kmsCode: error.kmsCode,
          requestId: error.requestId,
          failoverTo: next === undefined ? undefined : this.#regions[next]?.regionId,
        })
        continue
      }
      this.#router.succeeded(index, this.#router.now() - started)
      return toSecretRecord(response, secretName)
    }
    throw lastError!
  }

  /**
   * One region's try: ends when the region answers, after `shareMs` (a retryable `TIMEOUT`, so
   * the call fails over), or when the caller's signal or `close()` fires. Ending it destroys the
   * HTTP request where the sender can.
   */
  async #send(
    region: Region,
    input: { secretName: string; versionStage: string },
    signal: AbortSignal | undefined,
    shareMs: number,
  ): Promise<unknown> {
    const controller = new AbortController()
    const stop = (): void => controller.abort()
    const timer = setTimeout(() => {
      controller.abort(
        new SecretClientError(
          'TIMEOUT',
          `secret "${input.secretName}": KMS region ${region.regionId} did not answer within ${Math.round(shareMs)} ms`,
          { secretName: input.secretName },
        ),
      )
    }, shareMs)
    signal?.addEventListener('abort', stop, { once: true })
    this.#closing.signal.addEventListener('abort', stop, { once: true })
    try {
      let pending: Promise<unknown>
      try {
        pending = region.send(input, controller.signal)
      } catch (err) {
        pending = Promise.reject(err)
      }
      return await raceSignal(pending, controller.signal)
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', stop)
      this.#closing.signal.removeEventListener('abort', stop)
    }
  }

  /** Rejects calls in flight with `CLOSED`; later calls reject the same way. */
  close(): void {
    if (this.#closing.signal.aborted) return
    this.#closing.abort(new SecretClientError('CLOSED', 'KMS fetcher closed'))
    for (const region of this.#regions) region.close?.()
  }

  toString(): string {
    return 'KmsFetcher'
  }
}
