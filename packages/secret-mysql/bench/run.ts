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
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { startKmsEmulator } from '@org/kms-emulator'
import { SecretCacheClient } from '@org/secret-client'
import mysql from 'mysql2/promise'
import * as secretMysql from '../src/promise.js'

const server = {
  host: process.env.MARIADB_HOST ?? '127.0.0.1',
  port: Number(process.env.MARIADB_PORT ?? 3306),
  user: process.env.MARIADB_USER ?? 'root',
  password: process.env.MARIADB_PASSWORD ?? '',
}
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15)
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 700)
const CONCURRENCY = 16
const CONNECTS = Number(process.env.BENCH_CONNECTS ?? 1000)
const ROTATIONS = Number(process.env.BENCH_ROTATIONS ?? 100)

const median = (values: number[]) => quantile(values, 0.5)
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[index] ?? Number.NaN
}
const fmt = (n: number, digits = 2) => n.toFixed(digits)

interface Queryable {
  query(sql: string): Promise<unknown>
}

/** This process's CPU time per query of the last `throughput` call, in µs (the driver's own cost). */
let lastCpuPerQueryUs = 0

/** Queries completed per second by CONCURRENCY loops over `durationMs`. */
async function throughput(pool: Queryable, durationMs: number): Promise<number> {
  let done = 0
  const until = performance.now() + durationMs
  const loop = async () => {
    while (performance.now() < until) {
      await pool.query('SELECT 1')
      done += 1
    }
  }
  const cpu = process.cpuUsage()
  const started = performance.now()
  await Promise.all(Array.from({ length: CONCURRENCY }, loop))
  const used = process.cpuUsage(cpu)
  lastCpuPerQueryUs = (used.user + used.system) / Math.max(1, done)
  return (done * 1000) / (performance.now() - started)
}

async function main() {
  const admin = await mysql.createConnection(server)
  const suffix = randomBytes(4).toString('hex')
  const account = `bench_${suffix}`
  const database = `bench_${suffix}`
  const password = randomBytes(12).toString('hex')
  await admin.query(`CREATE DATABASE \`${database}\``)
  await admin.query("CREATE USER ?@'%' IDENTIFIED BY ?", [account, password])
  await admin.query(`GRANT ALL ON \`${database}\`.* TO ?@'%'`, [account])
  const emulator = await startKmsEmulator({
    databases: { 'rm-bench': { engine: 'mariadb', ...server } },
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
  const target = { host: server.host, port: server.port, database }
  const secretOptions = { ...target, secretName, secretClient: client }
  try {
    console.log(`MariaDB ${server.host}:${server.port}, Node ${process.version}\n`)

    // 1. Pool throughput: rotating order, so drift (server caches, CPU frequency, a neighbour on
    // the host) hits every pool alike; each round's ratios compare pools measured back to back.
    const pools = {
      raw: mysql.createPool({ ...target, user: account, password, connectionLimit: 10 }),
      control: mysql.createPool({ ...target, user: account, password, connectionLimit: 10 }),
      wrapped: secretMysql.createPool({ ...secretOptions, connectionLimit: 10 }),
    }
    const names = Object.keys(pools) as Array<keyof typeof pools>
    for (const name of names) await throughput(pools[name], 300) // warm-up: fill the pools, JIT
    const rates: Record<keyof typeof pools, number[]> = { raw: [], control: [], wrapped: [] }
    const ratios = { wrapped: [] as number[], control: [] as number[] }
    // CPU time per query: the client-side cost, much less sensitive than wall time to the server
    // sharing these two cores (MariaDB runs here too).
    const cpuRatios = { wrapped: [] as number[], control: [] as number[] }
    for (let round = 0; round < ROUNDS; round++) {
      const rate: Partial<Record<keyof typeof pools, number>> = {}
      const cpu: Partial<Record<keyof typeof pools, number>> = {}
      for (let i = 0; i < names.length; i++) {
        const name = names[(round + i) % names.length] as keyof typeof pools
        rate[name] = await throughput(pools[name], ROUND_MS)
        cpu[name] = lastCpuPerQueryUs
        rates[name].push(rate[name])
      }
      ratios.wrapped.push((rate.wrapped ?? 0) / (rate.raw ?? 1))
      ratios.control.push((rate.control ?? 0) / (rate.raw ?? 1))
      cpuRatios.wrapped.push((cpu.wrapped ?? 0) / (cpu.raw ?? 1))
      cpuRatios.control.push((cpu.control ?? 0) / (cpu.raw ?? 1))
    }
    await Promise.all(names.map((name) => pools[name].end()))
    const throughputRatio = median(ratios.wrapped)

    // 2. Connect latency, warm cache: raw, wrapped and raw again (A/A), in rotating order.
    await client.getDatabaseCredentials(secretName)
    const opens = {
      raw: () => mysql.createConnection({ ...target, user: account, password }),
      control: () => mysql.createConnection({ ...target, user: account, password }),
      wrapped: () => secretMysql.createConnection(secretOptions),
    }
    const sides = Object.keys(opens) as Array<keyof typeof opens>
    const connects: Record<keyof typeof opens, number[]> = { raw: [], control: [], wrapped: [] }
    for (let i = 0; i < CONNECTS; i++) {
      for (let j = 0; j < sides.length; j++) {
        const side = sides[(i + j) % sides.length] as keyof typeof opens
        const started = performance.now()
        const connection = await opens[side]()
        connects[side].push(performance.now() - started)
        await connection.end()
      }
    }
    const rawConnect = connects.raw
    const wrappedConnect = connects.wrapped
    const connectRatio = median(wrappedConnect) / median(rawConnect)

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
      [
        `pool.query('SELECT 1') /s (${ROUNDS} rounds × ${ROUND_MS} ms, 16 in flight; median of per-round ratios)`,
        fmt(median(rates.raw), 0),
        fmt(median(rates.wrapped), 0),
        fmt(throughputRatio, 3),
        fmt(median(ratios.control), 3),
        '≥ 0.98',
      ],
      [
        'CPU per pooled query (median of per-round ratios, wrapped/raw)',
        '',
        '',
        fmt(median(cpuRatios.wrapped), 3),
        fmt(median(cpuRatios.control), 3),
        '',
      ],
      [
        `connect latency ms, warm cache (median of ${CONNECTS} each, rotating order)`,
        fmt(median(rawConnect), 3),
        fmt(median(wrappedConnect), 3),
        fmt(connectRatio, 3),
        fmt(median(connects.control) / median(rawConnect), 3),
        '≤ 1.05',
      ],
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
    await client.close()
    await emulator.close()
    await admin.query('DROP USER IF EXISTS ?@?', [account, '%'])
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``)
    await admin.end()
  }
}

await main()
