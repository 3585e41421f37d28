/**
 * Side-by-side benchmark of the raw `mariadb` connector and @org/secret-mariadb against the local
 * MariaDB (127.0.0.1:3306, root without password unless MARIADB_* says otherwise), with
 * credentials from a local KMS emulator. Run: `pnpm -F @org/secret-mariadb bench`.
 *
 * 1. `pool.query('SELECT 1')` throughput: short rounds in rotating order over raw, wrapped and a
 *    second raw pool (the A/A control, the machine's noise floor); the median of per-round ratios.
 * 2. Connect latency with a warm secret cache (`createConnection`), interleaved, A/A control too.
 * 3. Recovery after a SingleUser rotation the cache has not seen: a new connection (auth failure
 *    → forced refresh → connection ok), and a pool whose next request needs a new login (the
 *    generation's rejection moves it to the next one), p50/p99.
 */
import { performance } from 'node:perf_hooks'
import {
  benchMariaDb,
  compareConnectLatency,
  compareThroughput,
  comparisonRows,
  startBenchSecret,
} from '@org/driver-conformance'
import { fmt, median, quantile } from '@org/test-support'
import mariadb from 'mariadb'
// The built package, as users run it (tsx's transform of the sources adds its own cost).
import * as secretMariadb from '../dist/index.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15)
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 700)
// Fewer in flight than connections: the figure is the wrapper's own cost, not the connector's queue
// (its pool is not fair to waiting requests, which makes queued rounds vary by ±10 %).
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8)
const CONNECTS = Number(process.env.BENCH_CONNECTS ?? 1000)
const ROTATIONS = Number(process.env.BENCH_ROTATIONS ?? 100)

async function main() {
  const bench = await startBenchSecret()
  const { account, password, database, secretName, emulator, client } = bench
  const target = { host: benchMariaDb.host, port: benchMariaDb.port, database }
  const secretOptions = { ...target, secretName, secretClient: client }
  try {
    console.log(
      `MariaDB ${target.host}:${target.port}, mariadb ${mariadb.version}, Node ${process.version}\n`,
    )

    // 1. Pool throughput.
    const pools = {
      raw: mariadb.createPool({ ...target, user: account, password, connectionLimit: 10 }),
      control: mariadb.createPool({ ...target, user: account, password, connectionLimit: 10 }),
      wrapped: secretMariadb.createPool({ ...secretOptions, connectionLimit: 10 }),
    }
    const pooled = await compareThroughput(
      {
        raw: () => pools.raw.query('SELECT 1'),
        control: () => pools.control.query('SELECT 1'),
        wrapped: () => pools.wrapped.query('SELECT 1'),
      },
      { rounds: ROUNDS, roundMs: ROUND_MS, concurrency: CONCURRENCY },
    )
    await Promise.all(Object.values(pools).map((pool) => pool.end()))

    // 2. Connect latency, warm cache.
    await client.getDatabaseCredentials(secretName)
    const connects = await compareConnectLatency(
      {
        raw: () => mariadb.createConnection({ ...target, user: account, password }),
        control: () => mariadb.createConnection({ ...target, user: account, password }),
        wrapped: () => secretMariadb.createConnection(secretOptions),
      },
      CONNECTS,
    )
    const rawConnect = median(connects.raw)

    // 3. Recovery after a SingleUser rotation the cache has not seen: a connection, then a pool.
    const recovery: number[] = []
    const callsBefore = emulator.counters('GetSecretValue').calls
    for (let i = 0; i < ROTATIONS; i++) {
      await client.getDatabaseCredentials(secretName) // the cache holds the soon-old password
      await emulator.rotateSecret(secretName) // the database password changes now
      const started = performance.now()
      const connection = await secretMariadb.createConnection(secretOptions)
      recovery.push(performance.now() - started)
      await connection.end()
    }
    const kmsCalls = emulator.counters('GetSecretValue').calls - callsBefore
    const poolRecovery: number[] = []
    const pool = secretMariadb.createPool({ ...secretOptions, connectionLimit: 2, minimumIdle: 1 })
    for (let i = 0; i < Math.ceil(ROTATIONS / 4); i++) {
      const held = await pool.getConnection() // the pool's one connection, busy
      await emulator.rotateSecret(secretName)
      const started = performance.now()
      const fresh = await pool.getConnection() // a new login: rejected, then the next generation
      poolRecovery.push(performance.now() - started)
      await fresh.release()
      await held.release()
    }
    await pool.end()

    const rows = [
      ['metric', 'raw mariadb', '@org/secret-mariadb', 'ratio', 'A/A control', 'goal'],
      ...comparisonRows(pooled, connects, {
        rounds: ROUNDS,
        roundMs: ROUND_MS,
        inFlight: `${CONCURRENCY} in flight, 10 connections`,
        connects: CONNECTS,
      }),
      [
        `recovery after SingleUser rotation, new connection ms, p50 / p99 (${ROTATIONS} rotations)`,
        `${fmt(rawConnect, 3)} (plain connect)`,
        `${fmt(quantile(recovery, 0.5))} / ${fmt(quantile(recovery, 0.99))}`,
        '',
        '',
        '',
      ],
      [
        `recovery after SingleUser rotation, pool getConnection ms, p50 / p99 (${poolRecovery.length} rotations)`,
        '',
        `${fmt(quantile(poolRecovery, 0.5))} / ${fmt(quantile(poolRecovery, 0.99))}`,
        '',
        '',
        '',
      ],
    ]
    for (const row of rows) console.log(`| ${row.join(' | ')} |`)
    console.log(`\nGetSecretValue calls during the ${ROTATIONS} connection recoveries: ${kmsCalls}`)
  } finally {
    await bench.close()
  }
}

await main()
