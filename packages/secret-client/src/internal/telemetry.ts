import { createRequire } from 'node:module'

/**
 * The part of `@opentelemetry/api` used here. The package is an optional peer: it is looked up
 * once, and without it (or with `telemetry: false`) the client holds no telemetry object at all,
 * so every instrumentation point is one `undefined` check.
 */
interface OtelApi {
  metrics: { getMeterProvider(): MeterProvider }
  trace: { getTracerProvider(): TracerProvider }
  SpanStatusCode: { OK: number; ERROR: number }
  SpanKind: { CLIENT: number }
}

interface MeterProvider {
  getMeter(name: string): Meter
}
interface Meter {
  createCounter(name: string, options: object): { add(value: number, attributes?: object): void }
  createHistogram(
    name: string,
    options: object,
  ): { record(value: number, attributes?: object): void }
}
interface TracerProvider {
  getTracer(name: string): Tracer
}
interface Tracer {
  startSpan(name: string, options: object): Span
}
interface Span {
  setAttribute(key: string, value: string | number | boolean): void
  setStatus(status: { code: number }): void
  end(): void
}

/** The `telemetry` option: providers to use instead of the global ones, or `false` for none. */
export type TelemetryOption =
  | false
  | {
      /** An OpenTelemetry `MeterProvider`. @default the global one */
      meterProvider?: unknown
      /** An OpenTelemetry `TracerProvider`. @default the global one */
      tracerProvider?: unknown
    }

const SCOPE = '@org/secret-client'

let api: OtelApi | null | undefined

function otel(): OtelApi | null {
  if (api === undefined) {
    try {
      api = createRequire(import.meta.url)('@opentelemetry/api') as OtelApi
    } catch {
      api = null
    }
  }
  return api
}

/**
 * What the cache reports: metrics (`secret_client.*`) and a client span per KMS attempt. Names,
 * stages, codes and reasons only — never a value.
 */
export class ClientTelemetry {
  readonly #lookups
  readonly #kmsRequests
  readonly #kmsDuration
  readonly #stale
  readonly #refreshes
  readonly #rotations
  readonly #tracer: Tracer
  readonly #api: OtelApi
  // Attribute objects of the hot path, made once.
  readonly #hitAttributes = Object.freeze({ result: 'hit' })
  readonly #missAttributes = Object.freeze({ result: 'miss' })

  constructor(api: OtelApi, meterProvider: MeterProvider, tracerProvider: TracerProvider) {
    this.#api = api
    const meter = meterProvider.getMeter(SCOPE)
    this.#lookups = meter.createCounter('secret_client.cache.lookups', {
      description: 'Reads of the cache, by result: hit (served from memory) or miss (KMS read)',
    })
    this.#kmsRequests = meter.createCounter('secret_client.kms.requests', {
      description: 'GetSecretValue attempts, by outcome: ok or the SecretClientError code',
    })
    this.#kmsDuration = meter.createHistogram('secret_client.kms.duration', {
      description: 'Duration of a GetSecretValue attempt',
      unit: 'ms',
    })
    this.#stale = meter.createCounter('secret_client.stale.served', {
      description: 'Expired values served because KMS failed transiently, by source (memory, disk)',
    })
    this.#refreshes = meter.createCounter('secret_client.refreshes', {
      description: 'Successful reads from KMS, by reason and whether the version changed',
    })
    this.#rotations = meter.createCounter('secret_client.rotations.seen', {
      description: 'New versions of a cached secret (a rotation seen by this client)',
    })
    this.#tracer = tracerProvider.getTracer(SCOPE)
  }

  hit(): void {
    this.#lookups.add(1, this.#hitAttributes)
  }

  miss(): void {
    this.#lookups.add(1, this.#missAttributes)
  }

  /** Starts one KMS attempt's span; the returned function ends it with `ok` or an error code. */
  kmsAttempt(secretName: string, versionStage: string, attempt: number): (outcome: string) => void {
    const started = performance.now()
    const span = this.#tracer.startSpan('kms GetSecretValue', {
      kind: this.#api.SpanKind.CLIENT,
      attributes: {
        'secret.name': secretName,
        'secret.version_stage': versionStage,
        'secret_client.attempt': attempt,
      },
    })
    return (outcome) => {
      const attributes = { outcome }
      this.#kmsRequests.add(1, attributes)
      this.#kmsDuration.record(performance.now() - started, attributes)
      span.setAttribute('secret_client.outcome', outcome)
      span.setStatus({
        code: outcome === 'ok' ? this.#api.SpanStatusCode.OK : this.#api.SpanStatusCode.ERROR,
      })
      span.end()
    }
  }

  stale(source: 'memory' | 'disk'): void {
    this.#stale.add(1, { source })
  }

  refresh(reason: string, changed: boolean, rotated: boolean, secretName: string): void {
    this.#refreshes.add(1, { reason, changed })
    if (rotated) this.#rotations.add(1, { 'secret.name': secretName })
  }
}

/**
 * What the driver kit reports: logins the database rejected during a rotation, per driver, and
 * whether another login followed (`retried`) or the budget ended (`exhausted`).
 */
export class KitTelemetry {
  readonly #authFailures
  readonly #tracer: Tracer
  readonly #api: OtelApi

  constructor(api: OtelApi, meterProvider: MeterProvider, tracerProvider: TracerProvider) {
    this.#api = api
    this.#tracer = tracerProvider.getTracer(SCOPE)
    this.#authFailures = meterProvider
      .getMeter(SCOPE)
      .createCounter('secret_client.driver.auth_failures', {
        description:
          'Logins rejected by the database during a rotation, by driver and outcome (retried, exhausted)',
      })
  }

  authFailure(driver: string, outcome: 'retried' | 'exhausted'): void {
    this.#authFailures.add(1, { driver, outcome })
  }

  /**
   * Starts the span of a login through a rotation (from the first rejected login); the returned
   * function ends it with the number of logins tried and whether one succeeded.
   */
  rotationLogin(driver: string, secretName: string): (logins: number, ok: boolean) => void {
    const span = this.#tracer.startSpan('secret rotation login', {
      kind: this.#api.SpanKind.CLIENT,
      attributes: { 'db.system.driver': driver, 'secret.name': secretName },
    })
    return (logins, ok) => {
      span.setAttribute('secret_client.logins', logins)
      span.setStatus({ code: ok ? this.#api.SpanStatusCode.OK : this.#api.SpanStatusCode.ERROR })
      span.end()
    }
  }
}

function isProvider(value: unknown, method: string): boolean {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as Record<string, unknown>)[method] === 'function'
  )
}

/** Validates the `telemetry` option; a message names what is wrong. */
export function telemetryOptionProblem(option: unknown): string | undefined {
  if (option === undefined || option === false) return undefined
  if (option === null || typeof option !== 'object')
    return 'false or { meterProvider, tracerProvider }'
  for (const key of Object.keys(option)) {
    if (key !== 'meterProvider' && key !== 'tracerProvider') {
      return `{ meterProvider, tracerProvider } (unknown key ${JSON.stringify(key.slice(0, 64))})`
    }
  }
  const { meterProvider, tracerProvider } = option as Record<string, unknown>
  if (meterProvider !== undefined && !isProvider(meterProvider, 'getMeter')) {
    return 'a meterProvider with getMeter()'
  }
  if (tracerProvider !== undefined && !isProvider(tracerProvider, 'getTracer')) {
    return 'a tracerProvider with getTracer()'
  }
  return undefined
}

/** The cache's telemetry, or `undefined` when OpenTelemetry is absent or turned off. */
export function clientTelemetry(option: TelemetryOption | undefined): ClientTelemetry | undefined {
  if (option === false) return undefined
  const found = otel()
  if (found === null) return undefined
  return new ClientTelemetry(
    found,
    (option?.meterProvider as MeterProvider | undefined) ?? found.metrics.getMeterProvider(),
    (option?.tracerProvider as TracerProvider | undefined) ?? found.trace.getTracerProvider(),
  )
}

let kit: KitTelemetry | null | undefined
let kitProvider: unknown

/**
 * The driver kit's telemetry on the global meter provider (looked up again when it changes, so
 * an SDK registered after the first connect still counts), or `undefined` without OpenTelemetry.
 */
export function kitTelemetry(): KitTelemetry | undefined {
  const found = otel()
  if (found === null) return undefined
  const provider = found.metrics.getMeterProvider()
  if (kit === undefined || kitProvider !== provider) {
    kitProvider = provider
    // The global tracer provider is a proxy: spans reach an SDK registered later.
    kit = new KitTelemetry(found, provider, found.trace.getTracerProvider())
  }
  return kit ?? undefined
}
