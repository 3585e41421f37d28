/**
 * Side-by-side benchmark of raw tedious and @org/secret-tedious against the test-only TDS server
 * (a test double standing in for SQL Server, run in a child process), with credentials from a
 * local KMS emulator rotating its logins. Run: `pnpm -F @org/secret-tedious bench`.
 *
 * 1. Request throughput: `execSql('SELECT 1')` on 8 connections, one request in flight on each,
 *    in short rounds in rotating order over raw, wrapped and a second raw set (the A/A control,
 *    the machine's noise floor); the median of per-round ratios.
 * 2. Connect latency with a warm secret cache (`new Connection(config)` + `connect()`),
 *    interleaved: with one config object declared once, as tedious's docs write it (the driver kit
 *    then validates the secret options once), and with a new config object per connection (as
 *    node-mssql builds one per pooled connection).
 * 3. Recovery after a SingleUser rotation the cache has not seen: a new connection (login
 *    rejected → forced refresh → login retried on the same connection), p50/p99.
 */
import { performance } from 'node:perf_hooks'
import {
  compareConnectLatency,
  compareThroughput,
  comparisonRows,
  medianRatio,
  startSqlServerBenchSecret,
  startTdsServerProcess,
} from '@org/driver-conformance'
import { fmt, median, quantile } from '@org/test-support'
import * as tedious from 'tedious'
// The built package, as users run it (tsx's transform of the sources adds its own cost).
import * as secretTedious from '../dist/index.js'

type TediousConnection = InstanceType<typeof tedious.Connection>

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15)
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 700)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8)
const CONNECTS = Number(process.env.BENCH_CONNECTS ?? 500)
const ROTATIONS = Number(process.env.BENCH_ROTATIONS ?? 100)

const connected = (connection: TediousConnection) =>
  new Promise<TediousConnection>((resolve, reject) =>
    connection.connect((error) => (error ? reject(error) : resolve(connection))),
  )
const closed = (connection: TediousConnection) =>
  new Promise<void>((resolve) => {
    connection.once('end', () => resolve())
    connection.close()
  })
const selectOne = (connection: TediousConnection) =>
  new Promise<void>((resolve, reject) =>
    connection.execSql(
      new tedious.Request('SELECT 1', (error) => (error ? reject(error) : resolve())),
    ),
  )

/** `count` connections, each running one request at a time: `call()` takes a free one. */
async function connectionSet(open: () => TediousConnection, count: number) {
  const free = await Promise.all(Array.from({ length: count }, () => connected(open())))
  const all = [...free]
  return {
    async call() {
      const connection = free.pop() as TediousConnection
      try {
        await selectOne(connection)
      } finally {
        free.push(connection)
      }
    },
    close: () => Promise.all(all.map(closed)),
  }
}

async function main() {
  const server = await startTdsServerProcess()
  const bench = await startSqlServerBenchSecret({
    host: server.host,
    port: server.port,
    user: server.adminLogin,
    password: server.adminPassword,
  })
  const { account, password, database, secretName, emulator, client } = bench
  const rawConfig = () => ({
    server: server.host,
    authentication: { type: 'default' as const, options: { userName: account, password } },
    options: { port: server.port, database },
  })
  const secretConfig = () => ({
    server: server.host,
    secretName,
    secretClient: client,
    options: { port: server.port, database },
  })
  try {
    console.log(
      `TDS test server (a test double, not SQL Server) ${server.host}:${server.port} in a child process, Node ${process.version}\n`,
    )
    // 1. Request throughput.
    const sets = {
      raw: await connectionSet(() => new tedious.Connection(rawConfig()), CONNECTIONS),
      control: await connectionSet(() => new tedious.Connection(rawConfig()), CONNECTIONS),
      wrapped: await connectionSet(() => new secretTedious.Connection(secretConfig()), CONNECTIONS),
    }
    const pooled = await compareThroughput(
      { raw: sets.raw.call, control: sets.control.call, wrapped: sets.wrapped.call },
      { rounds: ROUNDS, roundMs: ROUND_MS, concurrency: CONNECTIONS },
    )
    await Promise.all(Object.values(sets).map((set) => set.close()))

    // 2. Connect latency, warm cache.
    await client.getDatabaseCredentials(secretName)
    const end = (connection: TediousConnection) => ({ end: () => closed(connection) })
    const rawOnce = rawConfig()
    const controlOnce = rawConfig()
    const secretOnce = secretConfig()
    const connects = await compareConnectLatency(
      {
        raw: async () => end(await connected(new tedious.Connection(rawOnce))),
        control: async () => end(await connected(new tedious.Connection(controlOnce))),
        wrapped: async () => end(await connected(new secretTedious.Connection(secretOnce))),
      },
      CONNECTS,
    )
    const freshConnects = await compareConnectLatency(
      {
        raw: async () => end(await connected(new tedious.Connection(rawConfig()))),
        control: async () => end(await connected(new tedious.Connection(rawConfig()))),
        wrapped: async () => end(await connected(new secretTedious.Connection(secretConfig()))),
      },
      CONNECTS,
    )

    // 3. Recovery after a SingleUser rotation the cache has not seen.
    const recovery: number[] = []
    const callsBefore = emulator.counters('GetSecretValue').calls
    for (let i = 0; i < ROTATIONS; i++) {
      await client.getDatabaseCredentials(secretName) // the cache holds the soon-old password
      await emulator.rotateSecret(secretName) // the login's password changes now
      const started = performance.now()
      const connection = await connected(new secretTedious.Connection(secretConfig()))
      recovery.push(performance.now() - started)
      await closed(connection)
    }
    const kmsCalls = emulator.counters('GetSecretValue').calls - callsBefore

    const rows = [
      ['metric', 'raw tedious', '@org/secret-tedious', 'ratio', 'A/A control', 'goal'],
      ...comparisonRows(pooled, connects, {
        rounds: ROUNDS,
        roundMs: ROUND_MS,
        inFlight: `${CONNECTIONS} connections, one request in flight on each`,
        connects: CONNECTS,
      }).map((row, index) =>
        index === 0
          ? [
              row[0]?.replace("pool.query('SELECT 1')", "execSql('SELECT 1')") ?? '',
              ...row.slice(1),
            ]
          : index === 2
            ? [`${row[0]}, one config object`, ...row.slice(1)]
            : row,
      ),
      [
        `connect latency ms, warm cache, a new config object per connection (median of ${CONNECTS} each)`,
        fmt(median(freshConnects.raw), 3),
        fmt(median(freshConnects.wrapped), 3),
        fmt(medianRatio(freshConnects, 'wrapped'), 3),
        fmt(medianRatio(freshConnects, 'control'), 3),
        '',
      ],
      [
        `recovery after SingleUser rotation, new connection ms, p50 / p99 (${ROTATIONS} rotations)`,
        `${fmt(median(connects.raw), 3)} (plain connect)`,
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
    await server.close()
  }
}

await main()
