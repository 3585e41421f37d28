import type { ConformanceQueryable, DriverAdapter } from './driver-adapter.js'
import {
  type EmulatorFixture,
  type FixtureSubType,
  startEmulatorFixture,
} from './emulator-fixture.js'

/** Options of {@link runSoak}. */
export interface SoakOptions {
  /** Concurrent workers. @default 50 */
  workers?: number
  /** Total duration: half DoubleUsers, half SingleUser. @default 60000 */
  durationMs?: number
  /** A rotation of the phase's secret every this many ms. @default 2000 */
  rotateEveryMs?: number
  /** Pool size. @default 10 */
  poolMax?: number
  /** The pool is replaced by a new one this often (churn: new logins, old pool drained). @default 10000 */
  poolChurnMs?: number
}

/** What a soak measured, per phase. */
export interface SoakPhaseResult {
  phase: FixtureSubType
  rotations: number
  queries: number
  failed: number
  /** GetSecretValue calls the emulator answered during the phase. */
  kmsCalls: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  /** Distinct failure codes. */
  errors: string
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number
}

/**
 * A soak of one driver package against the KMS emulator and its real server: `workers` workers
 * query without pause — four in five through a pool that is replaced every `poolChurnMs`, one in
 * five opening a connection per query — while the emulator rotates the secret every
 * `rotateEveryMs`: a DoubleUsers secret for the first half, a SingleUser one for the second.
 * Resolves the failed queries, KMS calls and latency per phase. For `bench/`, not the test suite.
 */
export async function runSoak(
  adapter: DriverAdapter,
  options: SoakOptions = {},
): Promise<SoakPhaseResult[]> {
  const workers = options.workers ?? 50
  const durationMs = options.durationMs ?? 60_000
  const rotateEveryMs = options.rotateEveryMs ?? 2000
  const poolMax = options.poolMax ?? 10
  const poolChurnMs = options.poolChurnMs ?? 10_000
  const fx: EmulatorFixture = await startEmulatorFixture({ engine: adapter.engine })
  const results: SoakPhaseResult[] = []
  try {
    await fx.ensureConnectionCapacity(poolMax * 2 + workers)
    for (const phase of ['DoubleUsers', 'SingleUser'] as const) {
      const secret = await fx.createSecret(phase)
      const connect = {
        secretName: secret.secretName,
        secretClient: await fx.newClient({ minRefreshIntervalMs: undefined }),
        host: fx.host,
        port: fx.port,
        database: secret.database,
      }
      let pool: ConformanceQueryable = await adapter.createPool({ ...connect, max: poolMax })
      const retired: Promise<void>[] = []
      const latencies: number[] = []
      const errors = new Set<string>()
      let failed = 0
      let rotations = 0
      const callsBefore = fx.emulator.counters('GetSecretValue').calls
      const until = Date.now() + durationMs / 2
      const work = async (index: number) => {
        while (Date.now() < until) {
          const started = performance.now()
          try {
            if (index % 5 === 4) {
              const connection = await adapter.connect(connect)
              try {
                await connection.query('SELECT 1 AS one')
              } finally {
                await connection.end()
              }
            } else {
              await pool.query('SELECT 1 AS one')
            }
            latencies.push(performance.now() - started)
          } catch (error) {
            failed++
            const e = error as { code?: unknown; name?: string }
            errors.add(String(e?.code ?? e?.name ?? 'unknown'))
          }
        }
      }
      const rotator = (async () => {
        while (Date.now() < until - rotateEveryMs / 2) {
          await sleep(rotateEveryMs)
          await fx.rotate(secret.secretName)
          rotations++
        }
      })()
      const churn = (async () => {
        while (Date.now() < until - poolChurnMs / 2) {
          await sleep(poolChurnMs)
          const old = pool
          pool = await adapter.createPool({ ...connect, max: poolMax })
          // The old pool finishes what it runs, then ends (as a redeploying app's would).
          retired.push(sleep(500).then(() => old.end()))
        }
      })()
      await Promise.all([...Array.from({ length: workers }, (_, i) => work(i)), rotator, churn])
      await Promise.all(retired)
      await pool.end()
      latencies.sort((a, b) => a - b)
      results.push({
        phase,
        rotations,
        queries: latencies.length + failed,
        failed,
        kmsCalls: fx.emulator.counters('GetSecretValue').calls - callsBefore,
        p50Ms: Number(quantile(latencies, 0.5).toFixed(1)),
        p99Ms: Number(quantile(latencies, 0.99).toFixed(1)),
        maxMs: Number((latencies.at(-1) ?? 0).toFixed(1)),
        errors: [...errors].join(' '),
      })
    }
  } finally {
    await fx.close()
  }
  return results
}

/**
 * The `bench:soak` entry of a driver package: runs {@link runSoak} for `process.argv[2]` seconds
 * (default 60) and prints the table of `docs/reliability.md`.
 */
export async function soakBench(adapter: DriverAdapter): Promise<void> {
  const seconds = Number(process.argv[2] ?? 60)
  const started = performance.now()
  const results = await runSoak(adapter, { durationMs: seconds * 1000 })
  const took = ((performance.now() - started) / 1000).toFixed(0)
  console.log(
    `${adapter.name}: soak of ${seconds} s, 50 workers, rotation every 2 s (${took} s with set-up)`,
  )
  console.table(results)
}
