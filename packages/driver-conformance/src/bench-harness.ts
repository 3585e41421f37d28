import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { type KmsEmulator, startKmsEmulator } from '@org/kms-emulator'
import { SecretCacheClient } from '@org/secret-client'
import { fmt, mariadb, median, randomName, timedThroughput } from '@org/test-support'
import { createOwnedLogin, openSqlServerAdmin } from './sqlserver-admin.js'

/** A MariaDB server to benchmark against (the local one unless `MARIADB_*` says otherwise). */
export const benchMariaDb = {
  host: process.env.MARIADB_HOST ?? '127.0.0.1',
  port: Number(process.env.MARIADB_PORT ?? 3306),
  user: process.env.MARIADB_USER ?? 'root',
  password: process.env.MARIADB_PASSWORD ?? '',
}

/** A fresh account and database on {@link benchMariaDb}, with a SingleUser secret in an emulator. */
export interface BenchSecret {
  readonly account: string
  readonly password: string
  readonly database: string
  readonly secretName: string
  readonly emulator: KmsEmulator
  readonly client: SecretCacheClient
  /** Closes the client and the emulator, drops the account and the database. */
  close(): Promise<void>
}

/** Creates the account, its database, the emulator holding its secret, and a client of it. */
export async function startBenchSecret(): Promise<BenchSecret> {
  const maria = mariadb(benchMariaDb)
  const account = maria.uniqueUser('bench')
  const database = await maria.createIsolatedDatabase('bench')
  const password = randomBytes(12).toString('hex')
  await maria.query("CREATE USER ?@'%' IDENTIFIED BY ?", [account, password])
  await maria.query(`GRANT ALL ON \`${database}\`.* TO ?@'%'`, [account])
  return benchSecretOn(
    { engine: 'mariadb', ...benchMariaDb },
    { account, password, database },
    () => maria.cleanup(),
  )
}

/** A SQL Server (the test-only TDS server) to benchmark against, as its admin login. */
export interface BenchSqlServer {
  host: string
  port: number
  user: string
  password: string
}

/**
 * {@link startBenchSecret} on a SQL Server: a login with a database it owns, created with T-SQL as
 * the admin, and the emulator rotating it (`engine: 'sqlserver'`).
 */
export async function startSqlServerBenchSecret(server: BenchSqlServer): Promise<BenchSecret> {
  const admin = await openSqlServerAdmin(server)
  const account = randomName('bench')
  const database = randomName('db')
  const password = randomBytes(12).toString('hex')
  try {
    await createOwnedLogin(admin, account, password, database)
  } finally {
    await admin.close()
  }
  return benchSecretOn({ engine: 'sqlserver', ...server }, { account, password, database }, () =>
    Promise.resolve(),
  )
}

/** The emulator holding a SingleUser secret of `account` on the server `databaseConfig` names. */
async function benchSecretOn(
  databaseConfig: Record<string, unknown>,
  where: { account: string; password: string; database: string },
  cleanup: () => Promise<unknown>,
): Promise<BenchSecret> {
  const { account, password } = where
  const emulator = await startKmsEmulator({
    databases: { 'rm-bench': databaseConfig as never },
    schedulerIntervalMs: 0,
  })
  const client = new SecretCacheClient({
    endpoint: emulator.endpoint,
    regionId: emulator.regionId,
    credential: { accessKeyId: emulator.accessKeyId, accessKeySecret: emulator.accessKeySecret },
  })
  const secretName = `db/${account}`
  await emulator.call('CreateSecret', {
    SecretName: secretName,
    SecretType: 'Rds',
    SecretData: JSON.stringify({ Accounts: [{ AccountName: account, AccountPassword: password }] }),
    ExtendedConfig: JSON.stringify({ DBInstanceId: 'rm-bench', SecretSubType: 'SingleUser' }),
  })
  return {
    ...where,
    secretName,
    emulator,
    client,
    async close() {
      await client.close()
      await emulator.close()
      await cleanup()
    },
  }
}

/** The three sides of a side-by-side run: the raw driver, a second raw one (A/A) and the wrapper. */
export type Side = 'raw' | 'control' | 'wrapped'
const SIDES: readonly Side[] = ['raw', 'control', 'wrapped']

/** What {@link compareThroughput} measured. */
export interface ThroughputComparison {
  /** Calls per second of every round, by side. */
  rates: Record<Side, number[]>
  /** Per-round ratios to the raw side's rate. */
  ratios: { wrapped: number[]; control: number[] }
  /** Per-round ratios of CPU time per call to the raw side's. */
  cpuRatios: { wrapped: number[]; control: number[] }
}

/**
 * Throughput of `call` on each side: short rounds in rotating order, so drift (server caches, CPU
 * frequency, a neighbour on the host) hits every side alike and each round's ratios compare sides
 * measured back to back. A warm-up round first (fills the pools, JIT).
 */
export async function compareThroughput(
  call: Record<Side, () => Promise<unknown>>,
  options: { rounds: number; roundMs: number; concurrency: number },
): Promise<ThroughputComparison> {
  for (const side of SIDES) await timedThroughput(call[side], 300, options.concurrency)
  const result: ThroughputComparison = {
    rates: { raw: [], control: [], wrapped: [] },
    ratios: { wrapped: [], control: [] },
    cpuRatios: { wrapped: [], control: [] },
  }
  for (let round = 0; round < options.rounds; round++) {
    const rate: Partial<Record<Side, number>> = {}
    const cpu: Partial<Record<Side, number>> = {}
    for (let i = 0; i < SIDES.length; i++) {
      const side = SIDES[(round + i) % SIDES.length] as Side
      const measured = await timedThroughput(call[side], options.roundMs, options.concurrency)
      rate[side] = measured.perSecond
      cpu[side] = measured.cpuPerCallUs
      result.rates[side].push(measured.perSecond)
    }
    for (const side of ['wrapped', 'control'] as const) {
      result.ratios[side].push((rate[side] ?? 0) / (rate.raw ?? 1))
      result.cpuRatios[side].push((cpu[side] ?? 0) / (cpu.raw ?? 1))
    }
  }
  return result
}

/**
 * Latency of opening (and then ending) a connection on each side, `count` times each, in rotating
 * order; the milliseconds of every open, by side.
 */
export async function compareConnectLatency(
  open: Record<Side, () => Promise<{ end(): Promise<unknown> }>>,
  count: number,
): Promise<Record<Side, number[]>> {
  const latencies: Record<Side, number[]> = { raw: [], control: [], wrapped: [] }
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < SIDES.length; j++) {
      const side = SIDES[(i + j) % SIDES.length] as Side
      const started = performance.now()
      const connection = await open[side]()
      latencies[side].push(performance.now() - started)
      await connection.end()
    }
  }
  return latencies
}

/** Median ratio of `side` to the raw side. */
export const medianRatio = (values: Record<Side, number[]>, side: Side): number =>
  median(values[side]) / median(values.raw)

/**
 * The table rows both comparisons give (throughput, CPU per query, connect latency), as Markdown
 * cells: metric, raw, wrapped, ratio, A/A control, goal.
 */
export function comparisonRows(
  pooled: ThroughputComparison,
  connects: Record<Side, number[]>,
  describe: { rounds: number; roundMs: number; inFlight: string; connects: number },
): string[][] {
  return [
    [
      `pool.query('SELECT 1') /s (${describe.rounds} rounds × ${describe.roundMs} ms, ${describe.inFlight}; median of per-round ratios)`,
      fmt(median(pooled.rates.raw), 0),
      fmt(median(pooled.rates.wrapped), 0),
      fmt(median(pooled.ratios.wrapped), 3),
      fmt(median(pooled.ratios.control), 3),
      '≥ 0.98',
    ],
    [
      'CPU per pooled query (median of per-round ratios, wrapped/raw)',
      '',
      '',
      fmt(median(pooled.cpuRatios.wrapped), 3),
      fmt(median(pooled.cpuRatios.control), 3),
      '',
    ],
    [
      `connect latency ms, warm cache (median of ${describe.connects} each, rotating order)`,
      fmt(median(connects.raw), 3),
      fmt(median(connects.wrapped), 3),
      fmt(medianRatio(connects, 'wrapped'), 3),
      fmt(medianRatio(connects, 'control'), 3),
      '≤ 1.05',
    ],
  ]
}
