import { metrics, SpanStatusCode, trace } from '@opentelemetry/api'
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { RotationAttempt } from '../src/driver/rotation-attempt.js'
import { SecretClientError } from '../src/errors.js'
import { SecretCacheClient } from '../src/secret-cache-client.js'
import { kmsError, record, ScriptFetcher } from './_helpers.js'

// The OpenTelemetry SDK with in-memory exporters, registered globally as an application would:
// the client's metrics and spans, and never a secret value in an attribute.

const CANARY = `canary-${Math.random().toString(36).slice(2)}`
const VALUE = JSON.stringify({ AccountName: 'app', AccountPassword: CANARY })

const metricExporter = new InMemoryMetricExporter(AggregationTemporality.DELTA)
const reader = new PeriodicExportingMetricReader({
  exporter: metricExporter,
  exportIntervalMillis: 60_000,
})
const meterProvider = new MeterProvider({ readers: [reader] })
const spanExporter = new InMemorySpanExporter()
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(spanExporter)],
})

beforeAll(() => {
  metrics.setGlobalMeterProvider(meterProvider)
  trace.setGlobalTracerProvider(tracerProvider)
})
afterEach(async () => {
  // Deltas: what a test recorded and did not collect must not reach the next one.
  await reader.forceFlush()
  spanExporter.reset()
  metricExporter.reset()
})
afterAll(async () => {
  await meterProvider.shutdown()
  await tracerProvider.shutdown()
  metrics.disable()
  trace.disable()
})

/** Every data point of every metric exported now, by metric name. */
async function collected(): Promise<Map<string, Array<{ attributes: object; value: unknown }>>> {
  await reader.forceFlush()
  const out = new Map<string, Array<{ attributes: object; value: unknown }>>()
  for (const resource of metricExporter.getMetrics()) {
    for (const scope of resource.scopeMetrics) {
      for (const metric of scope.metrics) {
        const points = metric.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value }))
        out.set(metric.descriptor.name, points)
      }
    }
  }
  return out
}

const sum = (points: Array<{ attributes: object; value: unknown }> | undefined, match: object) =>
  (points ?? [])
    .filter((p) => Object.entries(match).every(([k, v]) => (p.attributes as never)[k] === v))
    .reduce((total, p) => total + (typeof p.value === 'number' ? p.value : 0), 0)

describe('OpenTelemetry', () => {
  it('counts hits, misses, KMS attempts by outcome, refreshes, rotations and stale serves', async () => {
    let version = 1
    let failing = false
    const fetcher = new ScriptFetcher((request) => {
      if (failing) throw kmsError('Rejected.Throttling')
      return record(request.secretName, `v${version}`, VALUE)
    })
    const client = new SecretCacheClient({
      fetcher,
      // Long enough that a loaded machine still hits twice; no refresh-ahead to add reads.
      ttlMs: 1000,
      refreshAheadRatio: 1,
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    })
    try {
      await client.getStringValue('db') // miss → KMS ok
      await client.getStringValue('db') // hit
      await client.getStringValue('db') // hit
      version = 2
      await client.refreshNow('db') // a new version: a rotation seen
      failing = true
      await new Promise((resolve) => setTimeout(resolve, 1100)) // the entry expires
      expect(await client.getStringValue('db')).toBe(VALUE) // expired → THROTTLED → stale
    } finally {
      await client.close()
    }
    const m = await collected()
    expect(sum(m.get('secret_client.cache.lookups'), { result: 'hit' })).toBe(2)
    expect(sum(m.get('secret_client.cache.lookups'), { result: 'miss' })).toBe(2)
    expect(sum(m.get('secret_client.kms.requests'), { outcome: 'ok' })).toBe(2)
    expect(
      sum(m.get('secret_client.kms.requests'), { outcome: 'THROTTLED' }),
    ).toBeGreaterThanOrEqual(1)
    expect(sum(m.get('secret_client.refreshes'), { reason: 'refresh-now', changed: true })).toBe(1)
    expect(sum(m.get('secret_client.rotations.seen'), { 'secret.name': 'db' })).toBe(1)
    expect(sum(m.get('secret_client.stale.served'), { source: 'memory' })).toBe(1)
    const durations = m.get('secret_client.kms.duration') ?? []
    expect(durations.length).toBeGreaterThan(0)

    const spans = spanExporter.getFinishedSpans().filter((s) => s.name === 'kms GetSecretValue')
    expect(spans.length).toBeGreaterThanOrEqual(3)
    expect(spans[0]?.attributes).toMatchObject({
      'secret.name': 'db',
      'secret.version_stage': 'ACSCurrent',
      'secret_client.outcome': 'ok',
    })
    expect(spans.some((s) => s.attributes['secret_client.outcome'] === 'THROTTLED')).toBe(true)

    // The canary scan: nothing exported holds the value.
    const exported = JSON.stringify({
      metrics: metricExporter.getMetrics(),
      spans: spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })),
    })
    expect(exported).not.toContain(CANARY)
  })

  it('the driver kit counts rejected logins per driver: retried, then exhausted', async () => {
    const client = new SecretCacheClient({
      fetcher: new ScriptFetcher((r) => record(r.secretName, 'v1', VALUE)),
    })
    const attempt = new RotationAttempt({
      source: client,
      driver: 'mysql2',
      secretName: 'db',
      retry: { maxAttempts: 2, maxTimeMs: 5000, baseDelayMs: 1, maxDelayMs: 1 },
    })
    try {
      await attempt.first()
      const rejected = Object.assign(new Error('Access denied'), { errno: 1045 })
      await attempt.next(rejected)
      expect(attempt.canRetry()).toBe(false)
      expect(attempt.finish(rejected)).toBeInstanceOf(Error)
    } finally {
      attempt.close()
      await client.close()
    }
    const m = await collected()
    const failures = m.get('secret_client.driver.auth_failures')
    expect(sum(failures, { driver: 'mysql2', outcome: 'retried' })).toBe(1)
    expect(sum(failures, { driver: 'mysql2', outcome: 'exhausted' })).toBe(1)
    const [span] = spanExporter.getFinishedSpans().filter((s) => s.name === 'secret rotation login')
    expect(span?.attributes).toMatchObject({
      'db.system.driver': 'mysql2',
      'secret.name': 'db',
      'secret_client.logins': 2,
    })
    expect(span?.status.code).toBe(SpanStatusCode.ERROR)
  })

  it('a login that gets through the rotation ends its span OK; a warm login makes none', async () => {
    const client = new SecretCacheClient({
      fetcher: new ScriptFetcher((r) => record(r.secretName, 'v1', VALUE)),
    })
    const warm = new RotationAttempt({ source: client, driver: 'pg', secretName: 'db' })
    await warm.first()
    warm.close()
    const attempt = new RotationAttempt({
      source: client,
      driver: 'pg',
      secretName: 'db',
      retry: { maxAttempts: 3, maxTimeMs: 5000, baseDelayMs: 1, maxDelayMs: 1 },
    })
    await attempt.first()
    await attempt.next(
      Object.assign(new Error('password authentication failed'), { code: '28P01' }),
    )
    attempt.close()
    await client.close()
    const spans = spanExporter.getFinishedSpans().filter((s) => s.name === 'secret rotation login')
    expect(spans).toHaveLength(1)
    expect(spans[0]?.status.code).toBe(SpanStatusCode.OK)
    expect(spans[0]?.attributes['secret_client.logins']).toBe(2)
  })

  it('telemetry: false records nothing; a bad telemetry option is INVALID_CONFIG', async () => {
    const client = new SecretCacheClient({
      fetcher: new ScriptFetcher((r) => record(r.secretName, 'v1', VALUE)),
      telemetry: false,
    })
    await client.getStringValue('quiet')
    await client.getStringValue('quiet')
    await client.close()
    const m = await collected()
    expect(sum(m.get('secret_client.cache.lookups'), {})).toBe(0)
    expect(spanExporter.getFinishedSpans()).toEqual([])
    expect(() => new SecretCacheClient({ telemetry: { meterProvider: {} } } as never)).toThrow(
      SecretClientError,
    )
  })

  it('providers given in the option are used instead of the global ones', async () => {
    const exporter = new InMemorySpanExporter()
    const own = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
    const client = new SecretCacheClient({
      fetcher: new ScriptFetcher((r) => record(r.secretName, 'v1', VALUE)),
      telemetry: { tracerProvider: own },
    })
    await client.getStringValue('own')
    await client.close()
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['kms GetSecretValue'])
    expect(spanExporter.getFinishedSpans()).toEqual([])
    await own.shutdown()
  })
})
