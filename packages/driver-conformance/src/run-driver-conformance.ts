import { AuthRetryExhaustedError, isSecretClientError, SecretClientError } from '@org/secret-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type {
  ConformanceConnectOptions,
  ConformanceQueryable,
  DriverAdapter,
} from './driver-adapter.js'
import {
  type EmulatorFixture,
  type FixtureSecret,
  startEmulatorFixture,
} from './emulator-fixture.js'
import { openHandleCounts, waitForHandles } from './open-handles.js'

/** Knobs of {@link runDriverConformance}; the defaults are the acceptance figures. */
export interface DriverConformanceOptions {
  /**
   * How long the DoubleUsers rotation stress runs, in ms.
   * @default 15000
   */
  stressMs?: number
  /**
   * Rotation period during the stress, in ms.
   * @default 1000
   */
  rotateEveryMs?: number
  /**
   * Concurrent workers during the stress (a quarter open a fresh connection per query, the rest
   * share one pool).
   * @default 20
   */
  workers?: number
  /**
   * Connection attempts that fail authentication at once in the auth-storm case.
   * @default 200
   */
  stormAttempts?: number
}

/** `minRefreshIntervalMs` of the fixture's secret clients (its default). */
const FIXTURE_REFRESH_INTERVAL_MS = 200

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Runs one statement on a fresh connection and ends it; resolves the value of `SELECT 1`. */
async function selectOneOnce(adapter: DriverAdapter, options: ConformanceConnectOptions) {
  const connection = await adapter.connect(options)
  try {
    return await selectOne(connection)
  } finally {
    await connection.end()
  }
}

async function selectOne(queryable: ConformanceQueryable): Promise<number> {
  const rows = await queryable.query('SELECT 1 AS one')
  return Number(rows[0]?.one)
}

/** Collects errors of work that must not fail, keeping a few for the failure message. */
function errorLog() {
  const samples: string[] = []
  let count = 0
  return {
    record(error: unknown) {
      count += 1
      if (samples.length < 5) {
        const e = error as { name?: string; code?: unknown; errno?: unknown; message?: string }
        samples.push(`${e?.name}: code=${String(e?.code)} errno=${String(e?.errno)} ${e?.message}`)
      }
    },
    get count() {
      return count
    },
    get samples() {
      return samples
    },
  }
}

/**
 * The rotation conformance suite every driver wrapper runs against a real server and the KMS
 * emulator (à la unjs/db0 `test/connectors/_tests.ts`). Call it inside a `describe` that only runs
 * when the server is available, e.g. in the driver's `test/conformance.test.ts`:
 *
 * ```ts
 * await describeWithServer('MariaDB', probeMariaDb, 'conformance', () =>
 *   runDriverConformance({ name: '@org/secret-mysql', engine: 'mariadb', connect, createPool }),
 * )
 * ```
 *
 * Cases: (1) connect with only a secret name; (2) SingleUser rotation between two connections
 * costs exactly one GetSecretValue; (3) DoubleUsers rotation every second under concurrent
 * workers fails no query; (4) an auth-failure storm costs one GetSecretValue; (5) a secret wrong for
 * good ends at the `maxTimeMs` deadline (single connection and pool), with bounded KMS calls, or
 * after `maxAttempts` when given, in the driver's own authentication error marked
 * `AUTH_RETRY_EXHAUSTED`; (6) KMS down while the cached
 * credentials are valid: reads past a short TTL fail at KMS (counted by the emulator) while
 * queries and new connections work from the stale cache; (7) rotation faults in both directions,
 * with the secret client's and the driver's default budgets, fail nothing; (8) `end()` releases
 * every handle.
 */
export function runDriverConformance(
  adapter: DriverAdapter,
  options: DriverConformanceOptions = {},
): void {
  const stressMs = options.stressMs ?? 15_000
  const rotateEveryMs = options.rotateEveryMs ?? 1000
  const workers = options.workers ?? 20
  const stormAttempts = options.stormAttempts ?? 200

  describe(`${adapter.name} driver conformance (${adapter.engine})`, () => {
    let fx: EmulatorFixture

    beforeAll(async () => {
      fx = await startEmulatorFixture({ engine: adapter.engine })
    })
    afterAll(async () => {
      await fx?.close()
    })

    /** Connection options for a secret, with a client of its own so KMS counts start cold. */
    const optionsFor = async (
      secret: FixtureSecret,
      extra: Partial<ConformanceConnectOptions> = {},
    ): Promise<ConformanceConnectOptions> => ({
      secretName: secret.secretName,
      secretClient: await fx.newClient(),
      host: fx.host,
      port: fx.port,
      database: secret.database,
      ...extra,
    })

    it('1. connects and queries with only a secret name, host and database', async () => {
      const secret = await fx.createSecret()
      const options = await optionsFor(secret)
      expect(await selectOneOnce(adapter, options)).toBe(1)
      const pool = await adapter.createPool({ ...options, max: 2 })
      try {
        expect(await selectOne(pool)).toBe(1)
      } finally {
        await pool.end()
      }
    })

    it('2. SingleUser rotation between two connections: next one succeeds, one extra GetSecretValue', async () => {
      const secret = await fx.createSecret('SingleUser')
      const options = await optionsFor(secret)
      expect(await selectOneOnce(adapter, options)).toBe(1)
      await fx.rotate(secret.secretName)
      const before = fx.getSecretValueCalls()
      expect(await selectOneOnce(adapter, options)).toBe(1)
      expect(fx.getSecretValueCalls() - before).toBe(1)
    })

    it('3. DoubleUsers rotation every second under concurrent workers: no query fails', {
      timeout: stressMs + 30_000,
    }, async () => {
      const secret = await fx.createSecret('DoubleUsers')
      const options = await optionsFor(secret)
      const pool = await adapter.createPool({ ...options, max: 5 })
      const errors = errorLog()
      let queries = 0
      let rotations = 0
      let running = true
      const worker = async (index: number) => {
        // A quarter of the workers authenticate anew for every query, so rotations are met at
        // connect time continuously; the rest share the pool (which grows and churns).
        const fresh = index % 4 === 0
        while (running) {
          try {
            const value = fresh ? await selectOneOnce(adapter, options) : await selectOne(pool)
            if (value !== 1) throw new Error(`SELECT 1 returned ${value}`)
            queries += 1
          } catch (error) {
            errors.record(error)
          }
        }
      }
      const rotator = async () => {
        const started = Date.now()
        while (Date.now() - started < stressMs) {
          await sleep(rotateEveryMs)
          await fx.rotate(secret.secretName)
          rotations += 1
        }
        running = false
      }
      try {
        await Promise.all([rotator(), ...Array.from({ length: workers }, (_, i) => worker(i))])
      } finally {
        running = false
        await pool.end()
      }
      expect(errors.samples).toEqual([])
      expect(errors.count).toBe(0)
      expect(rotations).toBeGreaterThanOrEqual(Math.floor(stressMs / rotateEveryMs / 2))
      expect(queries).toBeGreaterThan(rotations)
    })

    it(`4. ${stormAttempts} concurrent connection attempts failing auth at once: one GetSecretValue`, {
      timeout: 60_000,
    }, async () => {
      // Room for the storm's sessions next to other test files' (all reconnect at once).
      await fx.ensureConnectionCapacity(stormAttempts + 150)
      const secret = await fx.createSecret('SingleUser')
      const options = await optionsFor(secret)
      expect(await selectOneOnce(adapter, options)).toBe(1)
      await fx.rotate(secret.secretName)
      const before = fx.getSecretValueCalls()
      const results = await Promise.allSettled(
        Array.from({ length: stormAttempts }, () => selectOneOnce(adapter, options)),
      )
      const errors = errorLog()
      for (const result of results) if (result.status === 'rejected') errors.record(result.reason)
      expect(errors.samples).toEqual([])
      expect(fx.getSecretValueCalls() - before).toBe(1)
    })

    it("5. a secret wrong for good: the driver's auth error, marked AUTH_RETRY_EXHAUSTED, at the deadline, bounded KMS calls", {
      timeout: 30_000,
    }, async () => {
      const secret = await fx.createSecret('SingleUser')
      await fx.breakPassword(secret.account)
      // Attempts unlimited (the default): the deadline alone must end the retries.
      const maxTimeMs = 1500
      const rotationRetry = { maxTimeMs, baseDelayMs: 50, maxDelayMs: 300 }
      // One login in progress at the deadline (not interrupted), plus scheduling.
      const slackMs = 750
      // The initial read, the ACSPrevious probe, and at most one forced refresh per
      // minRefreshIntervalMs (the fixture's 200 ms) while the retries last.
      const maxKmsCalls = 2 + Math.ceil((maxTimeMs + slackMs) / FIXTURE_REFRESH_INTERVAL_MS)
      const expectExhaustedInTime = async (run: () => Promise<unknown>) => {
        const before = fx.getSecretValueCalls()
        const started = Date.now()
        const error = await run()
        const elapsed = Date.now() - started
        // The driver's own error (existing `code`/`errno` checks keep working), with the details.
        expect(adapter.isAuthFailure(error), String(error)).toBe(true)
        expect(error).not.toBeInstanceOf(SecretClientError)
        expect(isSecretClientError(error, 'AUTH_RETRY_EXHAUSTED')).toBe(true)
        expect(error).toBeInstanceOf(AuthRetryExhaustedError)
        // The budget is used (a last attempt starts at the deadline) and not overrun.
        expect(elapsed).toBeGreaterThanOrEqual(maxTimeMs - 50)
        expect(elapsed).toBeLessThan(maxTimeMs + slackMs)
        expect((error as { elapsedMs: number }).elapsedMs).toBeLessThanOrEqual(maxTimeMs + slackMs)
        expect(fx.getSecretValueCalls() - before).toBeLessThanOrEqual(maxKmsCalls)
        return error as { attempts: number }
      }
      const options = await optionsFor(secret, { rotationRetry })
      const single = await expectExhaustedInTime(() =>
        adapter.connect(options).then(
          async (connection) => {
            await connection.end()
            throw new Error('connected with a broken secret')
          },
          (reason: unknown) => reason,
        ),
      )
      expect(single.attempts).toBeGreaterThan(2)

      // Through a pool: the same budget and KMS bound for the connection the pool opens.
      const pool = await adapter.createPool({
        ...(await optionsFor(secret, { rotationRetry })),
        max: 2,
      })
      try {
        await expectExhaustedInTime(() =>
          pool.query('SELECT 1 AS one').then(
            () => new Error('queried with a broken secret'),
            (reason: unknown) => reason,
          ),
        )
      } finally {
        await pool.end()
      }

      // maxAttempts, when given, caps the attempts before the deadline.
      const capped = await adapter
        .connect(
          await optionsFor(secret, {
            rotationRetry: { maxAttempts: 3, maxTimeMs: 10_000, baseDelayMs: 10, maxDelayMs: 20 },
          }),
        )
        .then(
          () => new Error('connected with a broken secret'),
          (reason: unknown) => reason,
        )
      expect(isSecretClientError(capped, 'AUTH_RETRY_EXHAUSTED')).toBe(true)
      expect(capped).toMatchObject({ attempts: 3 })
    })

    it('6. KMS down while the cached credentials are valid: reads fail, queries and new connections work', async () => {
      const secret = await fx.createSecret('SingleUser')
      // A short TTL, so that every connection opened during the fault reads past expiry and
      // asks KMS (no refresh-ahead): stale-if-error has to serve the cached credentials.
      const ttlMs = 300
      const options = await optionsFor(secret, {
        secretClient: await fx.newClient({ ttlMs, refreshAheadRatio: 1 }),
      })
      expect(await selectOneOnce(adapter, options)).toBe(1)
      const pool = await adapter.createPool({ ...options, max: 3 })
      expect(await selectOne(pool)).toBe(1)
      const code = 'ServiceUnavailableTemporary'
      const failedReads = () => fx.emulator.counters('GetSecretValue').byCode[code] ?? 0
      const okReads = () => fx.emulator.counters('GetSecretValue').byCode.OK ?? 0
      const failedBefore = failedReads()
      const okBefore = okReads()
      fx.injectFault({ action: 'GetSecretValue', error: code })
      try {
        for (let i = 0; i < 3; i++) {
          await sleep(ttlMs + 50) // expired: the next read goes to KMS, which fails
          expect(await selectOneOnce(adapter, options)).toBe(1)
        }
        await sleep(ttlMs + 50)
        // Six at once on a pool of one idle connection: it opens two more during the fault.
        const values = await Promise.all(Array.from({ length: 6 }, () => selectOne(pool)))
        expect(values).toEqual([1, 1, 1, 1, 1, 1])
        // The client asked KMS (it may back off between failed reads) and got only errors.
        expect(failedReads() - failedBefore).toBeGreaterThan(0)
        expect(okReads() - okBefore).toBe(0)
      } finally {
        fx.clearFaults()
        await pool.end()
      }
    })

    for (const mode of ['secret-ahead-of-database', 'database-ahead-of-secret'] as const) {
      it(`7. rotation fault ${mode}: no app error once the window closes, within the budget`, {
        timeout: 60_000,
      }, async () => {
        const secret = await fx.createSecret('SingleUser')
        // The secret client's and the driver's defaults: a forced refresh that found nothing new
        // is not repeated for 5 s, so a database ahead of the secret is only seen by a later
        // refresh; the retry budget must outlast that.
        const defaults = { minRefreshIntervalMs: undefined }
        const options = await optionsFor(secret, {
          secretClient: await fx.newClient(defaults),
        })
        expect(await selectOneOnce(adapter, options)).toBe(1)
        const windowMs = 1500
        fx.injectRotationFault({ mode, windowMs, secretName: secret.secretName })
        await fx.rotate(secret.secretName)
        // A cold client too: it reads the half-rotated secret first.
        const cold = await optionsFor(secret, { secretClient: await fx.newClient(defaults) })
        // Connections opened all through the window, from a warm and a cold client; those that
        // meet a database ahead of the secret wait (within the budget) for the secret to catch up.
        const attempts: Array<Promise<number>> = []
        for (let i = 0; i < 8; i++) {
          const started = Date.now()
          attempts.push(
            selectOneOnce(adapter, i % 2 === 0 ? options : cold).then((value) => {
              // At most: the window, the 5 s refresh interval, one capped backoff wait (2 s), slack.
              const elapsed = Date.now() - started
              if (elapsed > windowMs + 5000 + 2000 + 1000) {
                throw new Error(`connected only after ${elapsed} ms`)
              }
              return value
            }),
          )
          await sleep(windowMs / 6)
        }
        const errors = errorLog()
        for (const result of await Promise.allSettled(attempts)) {
          if (result.status === 'rejected') errors.record(result.reason)
          else expect(result.value).toBe(1)
        }
        expect(errors.samples).toEqual([])
        // Once the window has closed, both clients connect at once.
        expect(await selectOneOnce(adapter, options)).toBe(1)
        expect(await selectOneOnce(adapter, cold)).toBe(1)
      })
    }

    it('8. end() leaves no open handle and no server session', async () => {
      const secret = await fx.createSecret('SingleUser')
      const options = await optionsFor(secret)
      // Warm the cache first: the KMS client's keep-alive sockets are not the driver's.
      expect(await selectOneOnce(adapter, options)).toBe(1)
      const baseline = openHandleCounts()
      const connection = await adapter.connect(options)
      const pool = await adapter.createPool({ ...options, max: 4 })
      expect(await Promise.all([1, 2, 3, 4].map(() => selectOne(pool)))).toEqual([1, 1, 1, 1])
      expect(await selectOne(connection)).toBe(1)
      expect(await fx.sessionCount(secret.account)).toBeGreaterThanOrEqual(2)
      await connection.end()
      await pool.end()
      expect(await waitForHandles(baseline)).toEqual(baseline)
      let sessions = await fx.sessionCount(secret.account)
      for (let i = 0; i < 40 && sessions > 0; i++) {
        await sleep(50)
        sessions = await fx.sessionCount(secret.account)
      }
      expect(sessions).toBe(0)
    })
  })
}
