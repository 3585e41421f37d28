import { type SecretCacheClient, SecretClientError } from '@org/secret-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConformanceConnectOptions, DriverAdapter } from './driver-adapter.js'
import { type EmulatorFixture, startEmulatorFixture } from './emulator-fixture.js'

/** Options of {@link runChaosSuite}. */
export interface ChaosSuiteOptions {
  /** How long the workload runs through each fault, in ms. @default 2500 */
  faultMs?: number
  /** Concurrent workers, each opening a connection, querying and closing it in a loop. @default 4 */
  workers?: number
}

/** What one scenario measured. */
export interface ChaosResult {
  scenario: string
  /** App operations (connect + `SELECT 1` + end) that succeeded / failed. */
  ok: number
  failed: number
  /** GetSecretValue calls the emulator answered during the scenario (any result). */
  kmsCalls: number
  /** Expired values the client served because KMS failed transiently. */
  staleServed: number
  /** Failures that were authentication failures or errors of the secret client. */
  authFailures: number
  /** Codes of the failures, for the report. */
  errors: string[]
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Faults against the app's path, one scenario each, with a workload running through them: KMS
 * throttling, 5xx, timeouts, connection resets and hangs, a region outage (the first region dead),
 * and rotations broken both ways. Every operation opens a new connection (reading the credentials
 * from a cache whose entries expire every 300 ms, so KMS is asked throughout), queries and closes
 * it. Within `maxStaleMs` the goal is **no failed operation**; the results (operations, failures,
 * KMS calls, stale serves) are printed as a table at the end — the figures of
 * `docs/reliability.md`.
 */
export function runChaosSuite(adapter: DriverAdapter, options: ChaosSuiteOptions = {}): void {
  const faultMs = options.faultMs ?? 2500
  const workers = options.workers ?? 4
  const results: ChaosResult[] = []
  let fx: EmulatorFixture

  describe(`chaos: ${adapter.name}`, { timeout: 60_000 }, () => {
    beforeAll(async () => {
      fx = await startEmulatorFixture({ engine: adapter.engine })
    }, 120_000)
    afterAll(async () => {
      console.log(`chaos results for ${adapter.name} (${workers} workers, ${faultMs} ms each):`)
      console.table(
        results.map(({ errors, ...r }) => ({ ...r, errors: [...new Set(errors)].join(' ') })),
      )
      await fx?.close()
    })

    /** A client whose entries expire every 300 ms, so the workload keeps asking KMS. */
    async function client(extra: object = {}): Promise<SecretCacheClient> {
      return fx.newClient({
        ttlMs: 300,
        refreshAheadRatio: 1,
        timeoutMs: 300,
        retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 },
        ...extra,
      })
    }

    async function workload(
      scenario: string,
      connect: ConformanceConnectOptions,
      during: () => Promise<void> | void,
    ): Promise<ChaosResult> {
      const result: ChaosResult = {
        scenario,
        ok: 0,
        failed: 0,
        kmsCalls: 0,
        staleServed: 0,
        authFailures: 0,
        errors: [],
      }
      const onStale = () => {
        result.staleServed++
      }
      connect.secretClient.on('stale', onStale)
      const callsBefore = fx.emulator.counters('GetSecretValue').calls
      // A warm start: the credentials are cached before the fault, as in a running service.
      const warm = await adapter.connect(connect)
      await warm.end()
      await sleep(350)
      let running = true
      const loop = async () => {
        while (running) {
          try {
            const connection = await adapter.connect(connect)
            try {
              await connection.query('SELECT 1 AS one')
            } finally {
              await connection.end()
            }
            result.ok++
          } catch (error) {
            result.failed++
            if (adapter.isAuthFailure(error) || error instanceof SecretClientError) {
              result.authFailures++
            }
            const e = error as { code?: unknown; name?: string }
            result.errors.push(String(e?.code ?? e?.name ?? 'unknown'))
          }
        }
      }
      const loops = Array.from({ length: workers }, loop)
      try {
        await during()
        await sleep(faultMs)
      } finally {
        fx.clearFaults()
        running = false
        await Promise.all(loops)
        connect.secretClient.off('stale', onStale)
      }
      result.kmsCalls = fx.emulator.counters('GetSecretValue').calls - callsBefore
      results.push(result)
      return result
    }

    async function connectOptions(secretClient?: SecretCacheClient) {
      const secret = await fx.createSecret('SingleUser')
      return {
        secret,
        options: {
          secretName: secret.secretName,
          secretClient: secretClient ?? (await client()),
          host: fx.host,
          port: fx.port,
          database: secret.database,
        },
      }
    }

    const kmsFaults = [
      ['KMS throttling (429)', { error: 'Rejected.Throttling' }],
      ['KMS unavailable (503)', { error: 'ServiceUnavailableTemporary' }],
      ['KMS internal error (500)', { error: 'InternalFailure' }],
      ['KMS timeouts (answers after 2 s)', { latencyMs: 2000 }],
      ['KMS connection resets', { reset: true }],
      ['KMS hangs', { hang: true }],
    ] as const
    for (const [scenario, fault] of kmsFaults) {
      it(`${scenario}: no failed operation while cached credentials are within maxStaleMs`, async () => {
        const { options } = await connectOptions()
        const result = await workload(scenario, options, () => {
          fx.injectFault({ action: 'GetSecretValue', ...fault })
        })
        expect(result.failed, result.errors.join(' ')).toBe(0)
        expect(result.ok).toBeGreaterThan(0)
        expect(result.staleServed).toBeGreaterThan(0)
      })
    }

    it('region outage (the first region refuses connections): no failed operation', async () => {
      const regions = [
        // Nothing listens on port 9 (discard) here: connection refused at once.
        { regionId: 'cn-shanghai', endpoint: 'http://127.0.0.1:9' },
        { regionId: fx.emulator.regionId, endpoint: fx.emulator.endpoint },
      ]
      const secretClient = await client({ regions, endpoint: undefined, regionId: undefined })
      const { options } = await connectOptions(secretClient)
      const result = await workload('region outage (first of two regions down)', options, () => {})
      expect(result.failed, result.errors.join(' ')).toBe(0)
      expect(result.kmsCalls).toBeGreaterThan(0)
    })

    it('the server kills the sessions every 500 ms: only operations in flight fail, none for credentials', async () => {
      const { secret, options } = await connectOptions()
      let kills = 0
      let killing: Promise<void> | undefined
      const result = await workload('server kills the sessions every 500 ms', options, () => {
        killing = (async () => {
          const until = Date.now() + faultMs - 250
          while (Date.now() < until) {
            await sleep(500)
            // Sessions of a connect-per-query workload are short: look again until one is found.
            for (let tries = 0; tries < 25; tries++) {
              const killed = await fx.killSessions(secret.account)
              kills += killed
              if (killed > 0) break
              await sleep(10)
            }
          }
        })()
      })
      await killing
      // A statement in flight when its session is killed fails, as with the driver alone: it is
      // never replayed. Nothing fails for the credentials, and new logins keep succeeding.
      expect(result.ok).toBeGreaterThan(0)
      expect(kills).toBeGreaterThan(0)
      expect(result.authFailures).toBe(0)
      expect(result.failed).toBeLessThanOrEqual(kills)
    })

    for (const mode of ['secret-ahead-of-database', 'database-ahead-of-secret'] as const) {
      it(`single-account rotation, ${mode} for 1 s: no failed operation`, async () => {
        const { secret, options } = await connectOptions()
        const result = await workload(`rotation fault: ${mode} (1 s)`, options, async () => {
          fx.injectRotationFault({ mode, windowMs: 1000, secretName: secret.secretName })
          await fx.rotate(secret.secretName)
        })
        expect(result.failed, result.errors.join(' ')).toBe(0)
        expect(result.ok).toBeGreaterThan(0)
      })
    }
  })
}
