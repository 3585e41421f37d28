/**
 * Side-by-side benchmark of plain knex with static credentials and knex through
 * @org/secret-knex's clients with a KMS secret (credentials from a local KMS emulator):
 * `db.raw('SELECT 1')` throughput, 8 in flight on a pool of 10, in short rounds in rotating order
 * over plain, wrapped and a second plain instance (the A/A control, the machine's noise floor);
 * the median of per-round ratios. Run: `pnpm -F @org/secret-knex bench`.
 *
 * - mysql2 on the local MariaDB (127.0.0.1:3306, root without password unless MARIADB_* says so);
 * - mssql on the test-only TDS server (a test double standing in for SQL Server, in a child
 *   process so it does not share the clients' event loop).
 */
import {
  type BenchSecret,
  benchMariaDb,
  compareThroughput,
  startBenchSecret,
  startSqlServerBenchSecret,
  startTdsServerProcess,
} from '@org/driver-conformance'
import { fmt, median } from '@org/test-support'
import knex, { type Knex } from 'knex'
// The built package, as users run it.
import { MsSqlClient } from '../dist/mssql.js'
import { MySql2Client, secretConnection } from '../dist/mysql2.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15)
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 700)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8)
const POOL = { min: 0, max: 10 }

async function compare(
  label: string,
  bench: BenchSecret,
  plain: () => Knex,
  wrapped: () => Knex,
): Promise<string[]> {
  const dbs = { raw: plain(), control: plain(), wrapped: wrapped() }
  try {
    const measured = await compareThroughput(
      {
        raw: () => dbs.raw.raw('SELECT 1'),
        control: () => dbs.control.raw('SELECT 1'),
        wrapped: () => dbs.wrapped.raw('SELECT 1'),
      },
      { rounds: ROUNDS, roundMs: ROUND_MS, concurrency: CONCURRENCY },
    )
    return [
      `${label}: db.raw('SELECT 1') /s (${ROUNDS} rounds × ${ROUND_MS} ms, ${CONCURRENCY} in flight, pool of 10)`,
      fmt(median(measured.rates.raw), 0),
      fmt(median(measured.rates.wrapped), 0),
      fmt(median(measured.ratios.wrapped), 3),
      fmt(median(measured.ratios.control), 3),
      '≥ 0.98',
    ]
  } finally {
    await Promise.all(Object.values(dbs).map((db) => db.destroy()))
    await bench.close()
  }
}

async function main() {
  const rows: string[][] = [
    [
      'metric',
      'plain knex (static credentials)',
      '@org/secret-knex',
      'ratio',
      'A/A control',
      'goal',
    ],
  ]

  // mysql2 on MariaDB.
  const maria = await startBenchSecret()
  const mariaTarget = { host: benchMariaDb.host, port: benchMariaDb.port, database: maria.database }
  rows.push(
    await compare(
      'mysql2 on MariaDB',
      maria,
      () =>
        knex({
          client: 'mysql2',
          connection: { ...mariaTarget, user: maria.account, password: maria.password },
          pool: POOL,
        }),
      () =>
        knex({
          client: MySql2Client,
          connection: secretConnection({
            ...mariaTarget,
            secretName: maria.secretName,
            secretClient: maria.client,
          }),
          pool: POOL,
        }),
    ),
  )

  // mssql on the TDS test server.
  const server = await startTdsServerProcess()
  try {
    const tds = await startSqlServerBenchSecret({
      host: server.host,
      port: server.port,
      user: server.adminLogin,
      password: server.adminPassword,
    })
    const tdsTarget = { server: server.host, port: server.port, database: tds.database }
    rows.push(
      await compare(
        'mssql on the TDS test server',
        tds,
        () =>
          knex({
            client: 'mssql',
            connection: { ...tdsTarget, user: tds.account, password: tds.password },
            pool: POOL,
          }),
        () =>
          knex({
            client: MsSqlClient,
            connection: secretConnection({
              ...tdsTarget,
              secretName: tds.secretName,
              secretClient: tds.client,
            }),
            pool: POOL,
          }),
      ),
    )
  } finally {
    await server.close()
  }
  console.log(`Node ${process.version}\n`)
  for (const row of rows) console.log(`| ${row.join(' | ')} |`)
}

await main()
