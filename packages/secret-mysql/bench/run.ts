/**
 * Side-by-side benchmark of raw mysql2 and @org/secret-mysql against the local MariaDB
 * (127.0.0.1:3306, root without password unless MARIADB_* says otherwise), with credentials from a
 * local KMS emulator. Run: `pnpm -F @org/secret-mysql bench`.
 *
 * 1. `pool.query('SELECT 1')` throughput: short rounds in rotating order over raw, wrapped and a
 *    second raw pool (the A/A control, the machine's noise floor); the median of per-round ratios.
 * 2. Connect latency with a warm secret cache (promise `createConnection`), interleaved, with a
 *    raw A/A control too.
 * 3. Recovery after a SingleUser rotation: the wrapped connect that meets the new password
 *    (auth failure → forced refresh → new connection ok), p50/p99.
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
import mysql from 'mysql2/promise'
// The built package, as users run it (tsx's transform of the sources adds its own cost).
import * as secretMysql from '../dist/promise.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15)
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 700)
const CONCURRENCY = 16
const CONNECTS = Number(process.env.BENCH_CONNECTS ?? 1000)
const ROTATIONS = Number(process.env.BENCH_ROTATIONS ?? 100)

async function main() {
  const bench = await startBenchSecret()
  const { account, password, database, secretName, emulator, client } = bench
  const target = { host: benchMariaDb.host, port: benchMariaDb.port, database }
  const secretOptions = { ...target, secretName, secretClient: client }
  try {
    console.log(`MariaDB ${target.host}:${target.port}, Node ${process.version}\n`)

    // 1. Pool throughput.
    const pools = {
      raw: mysql.createPool({ ...target, user: account, password, connectionLimit: 10 }),
      control: mysql.createPool({ ...target, user: account, password, connectionLimit: 10 }),
      wrapped: secretMysql.createPool({ ...secretOptions, connectionLimit: 10 }),
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
        raw: () => mysql.createConnection({ ...target, user: account, password }),
        control: () => mysql.createConnection({ ...target, user: account, password }),
        wrapped: () => secretMysql.createConnection(secretOptions),
      },
      CONNECTS,
    )
    const rawConnect = connects.raw

    // 3. Recovery after a SingleUser rotation.
    const recovery: number[] = []
    const callsBefore = emulator.counters('GetSecretValue').calls
    for (let i = 0; i < ROTATIONS; i++) {
      await client.getDatabaseCredentials(secretName) // the cache holds the soon-old password
      await emulator.rotateSecret(secretName) // the database password changes now
      const started = performance.now()
      const connection = await secretMysql.createConnection(secretOptions)
      recovery.push(performance.now() - started)
      await connection.end()
    }
    const kmsCalls = emulator.counters('GetSecretValue').calls - callsBefore

    const rows = [
      ['metric', 'raw mysql2', '@org/secret-mysql', 'ratio', 'A/A control', 'goal'],
      ...comparisonRows(pooled, connects, {
        rounds: ROUNDS,
        roundMs: ROUND_MS,
        inFlight: `${CONCURRENCY} in flight`,
        connects: CONNECTS,
      }),
      [
        `recovery after SingleUser rotation ms, p50 / p99 (${ROTATIONS} rotations)`,
        `${fmt(median(rawConnect), 3)} (plain connect)`,
        `${fmt(quantile(recovery, 0.5))} / ${fmt(quantile(recovery, 0.99))}`,
        '',
        '',
        '',
      ],
    ]
    for (const row of rows) console.log(`| ${row.join(' | ')} |`)
    console.log(`\nGetSecretValue calls during the ${ROTATIONS} recoveries: ${kmsCalls}`)
  } finally {
    await bench.close()
  }
}

await main()
