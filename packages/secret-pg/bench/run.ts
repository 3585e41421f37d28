/**
 * Raw pg vs @org/secret-pg, side by side in one run against a private embedded PostgreSQL with
 * scram-sha-256 and a KMS emulator that rotates the account:
 *
 * 1. `pool.query('SELECT 1')` throughput (same pool size and concurrency), ratio secret/raw;
 * 2. warm-cache connect latency (`new Client` + `connect()` + `end()`), ratio of medians;
 * 3. recovery after a SingleUser rotation: a connect whose cached password was just rotated away
 *    (auth failure → forced refresh → new connection), p50/p99.
 *
 * Rounds alternate between the two drivers so drift (CPU frequency, server caches) hits both.
 * Run: `pnpm -F @org/secret-pg bench` (BENCH_QUICK=1 for a short run).
 */
import { performance } from 'node:perf_hooks'
import { startKmsEmulator } from '@org/kms-emulator'
import { SecretCacheClient } from '@org/secret-client'
import { randomName, randomPassword, startPostgres } from '@org/test-support'
import pg from 'pg'
// The built package, as users run it (tsx's transform of the sources adds its own cost).
import { Client, Pool } from '../dist/index.js'

const quick = process.env.BENCH_QUICK === '1'
const ROUNDS = quick ? 3 : 15
const QUERIES_PER_ROUND = quick ? 2_000 : 5_000
const CONCURRENCY = 16
const POOL_MAX = 10
const CONNECTS = quick ? 60 : 400
const RECOVERY_TRIALS = quick ? 10 : 60

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[index] ?? Number.NaN
}
const median = (values: number[]) =>
  quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  )
const fmt = (n: number, digits = 2) => n.toFixed(digits)

/** This process's CPU time per query of the last `throughput` call, in µs (the driver's own cost). */
let lastCpuPerQueryUs = 0

async function throughput(pool: pg.Pool, total: number): Promise<number> {
  let next = 0
  const cpu = process.cpuUsage()
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        next += 1
        await pool.query('SELECT 1')
      }
    }),
  )
  const elapsed = performance.now() - started
  const used = process.cpuUsage(cpu)
  lastCpuPerQueryUs = (used.user + used.system) / total
  return total / (elapsed / 1000)
}

async function connectLatencies(open: () => pg.Client, count: number): Promise<number[]> {
  const samples: number[] = []
  for (let i = 0; i < count; i++) {
    const client = open()
    const started = performance.now()
    await client.connect()
    samples.push(performance.now() - started)
    await client.end()
  }
  return samples
}

async function main(): Promise<void> {
  const server = await startPostgres()
  const emulator = await startKmsEmulator({
    databases: {
      'rm-bench': {
        engine: 'postgresql',
        host: server.host,
        port: server.port,
        user: server.adminUser,
        password: server.adminPassword,
      },
    },
    schedulerIntervalMs: 0,
  })
  const secretClient = new SecretCacheClient({
    endpoint: emulator.endpoint,
    regionId: emulator.regionId,
    credential: { accessKeyId: emulator.accessKeyId, accessKeySecret: emulator.accessKeySecret },
  })
  try {
    const role = randomName('bench')
    const database = randomName('db')
    const password = randomPassword()
    await server.query(`CREATE ROLE ${role} LOGIN PASSWORD ${pg.escapeLiteral(password)}`)
    await server.query(`CREATE DATABASE ${database} OWNER ${role}`)
    const secretName = `db/${role}`
    await emulator.call('CreateSecret', {
      SecretName: secretName,
      SecretType: 'Rds',
      SecretData: JSON.stringify({ Accounts: [{ AccountName: role, AccountPassword: password }] }),
      ExtendedConfig: JSON.stringify({ DBInstanceId: 'rm-bench', SecretSubType: 'SingleUser' }),
    })
    const where = { host: server.host, port: server.port, database }
    const secretOptions = { ...where, secretName, secretClient }
    // The raw driver gets the same credentials, read once.
    const rawCredentials = async () => {
      const c = await secretClient.getDatabaseCredentials(secretName)
      return { ...where, user: c.username, password: c.password }
    }

    // 1. pool.query throughput: short rounds in rotating order; a second raw pool is the A/A
    // control that shows the noise floor of this machine.
    const raw = new pg.Pool({ ...(await rawCredentials()), max: POOL_MAX })
    const control = new pg.Pool({ ...(await rawCredentials()), max: POOL_MAX })
    const wrapped = new Pool({ ...secretOptions, max: POOL_MAX })
    const pools = { raw, control, secret: wrapped as pg.Pool }
    for (const pool of Object.values(pools)) await throughput(pool, 2_000)
    const rates: Record<keyof typeof pools, number[]> = { raw: [], control: [], secret: [] }
    const ratios = { secret: [] as number[], control: [] as number[] }
    // CPU time per query: the client-side cost, much less sensitive than wall time to the server
    // and the machine sharing these two cores.
    const cpuRatios = { secret: [] as number[], control: [] as number[] }
    const names = Object.keys(pools) as Array<keyof typeof pools>
    for (let round = 0; round < ROUNDS; round++) {
      const round_: Partial<Record<keyof typeof pools, number>> = {}
      const cpu: Partial<Record<keyof typeof pools, number>> = {}
      for (let i = 0; i < names.length; i++) {
        const name = names[(round + i) % names.length] as keyof typeof pools
        round_[name] = await throughput(pools[name], QUERIES_PER_ROUND)
        cpu[name] = lastCpuPerQueryUs
        rates[name].push(round_[name])
      }
      ratios.secret.push((round_.secret ?? 0) / (round_.raw ?? 1))
      ratios.control.push((round_.control ?? 0) / (round_.raw ?? 1))
      cpuRatios.secret.push((cpu.secret ?? 0) / (cpu.raw ?? 1))
      cpuRatios.control.push((cpu.control ?? 0) / (cpu.raw ?? 1))
    }
    await Promise.all(Object.values(pools).map((pool) => pool.end()))

    // 2. warm-cache connect latency, alternating raw and secret on every connect
    const rawConfig = await rawCredentials()
    const rawConnect: number[] = []
    const secretConnect: number[] = []
    await connectLatencies(() => new pg.Client(rawConfig), 5)
    await connectLatencies(() => new Client(secretOptions), 5)
    for (let i = 0; i < CONNECTS; i++) {
      const pair = [
        async () => rawConnect.push(...(await connectLatencies(() => new pg.Client(rawConfig), 1))),
        async () =>
          secretConnect.push(...(await connectLatencies(() => new Client(secretOptions), 1))),
      ]
      if (i % 2 === 1) pair.reverse()
      for (const run of pair) await run()
    }

    // 3. recovery after a SingleUser rotation: the cache still holds the rotated-away password.
    const recovery: number[] = []
    const callsBefore = emulator.counters('GetSecretValue').calls
    for (let trial = 0; trial < RECOVERY_TRIALS; trial++) {
      await secretClient.getDatabaseCredentials(secretName)
      await emulator.rotateSecret(secretName)
      const client = new Client(secretOptions)
      const started = performance.now()
      await client.connect()
      recovery.push(performance.now() - started)
      await client.end()
    }
    const extraCalls = emulator.counters('GetSecretValue').calls - callsBefore

    const rawRate = median(rates.raw)
    const secretRate = median(rates.secret)
    const rawP50 = median(rawConnect)
    const secretP50 = median(secretConnect)
    const sortedRecovery = [...recovery].sort((a, b) => a - b)
    const results = {
      node: process.version,
      pg: (await import('pg/package.json', { with: { type: 'json' } })).default.version,
      rounds: ROUNDS,
      throughput: {
        concurrency: CONCURRENCY,
        poolMax: POOL_MAX,
        queriesPerRound: QUERIES_PER_ROUND,
        rawOpsPerSec: Math.round(rawRate),
        secretOpsPerSec: Math.round(secretRate),
        medianRatioPerRound: Number(fmt(median(ratios.secret), 3)),
        controlRawOverRaw: Number(fmt(median(ratios.control), 3)),
        cpuPerQueryRatio: Number(fmt(median(cpuRatios.secret), 3)),
        cpuPerQueryControl: Number(fmt(median(cpuRatios.control), 3)),
      },
      connect: {
        samplesEach: rawConnect.length,
        rawP50Ms: Number(fmt(rawP50, 3)),
        secretP50Ms: Number(fmt(secretP50, 3)),
        ratio: Number(fmt(secretP50 / rawP50, 3)),
      },
      recoveryAfterRotation: {
        trials: recovery.length,
        p50Ms: Number(fmt(quantile(sortedRecovery, 0.5))),
        p99Ms: Number(fmt(quantile(sortedRecovery, 0.99))),
        maxMs: Number(fmt(sortedRecovery.at(-1) ?? Number.NaN)),
        getSecretValuePerRecovery: Number(fmt(extraCalls / recovery.length)),
      },
    }
    console.log(JSON.stringify(results, null, 2))
    console.log(
      `\n| measure | raw pg | @org/secret-pg | ratio |\n|---|---|---|---|\n` +
        `| pool.query('SELECT 1') ops/s (median of ${ROUNDS} rounds of ${QUERIES_PER_ROUND}) | ${results.throughput.rawOpsPerSec} | ${results.throughput.secretOpsPerSec} | ${results.throughput.medianRatioPerRound} (A/A control ${results.throughput.controlRawOverRaw}) |\n` +
        `| CPU per pooled query (median of per-round ratios, secret/raw) | | | ${results.throughput.cpuPerQueryRatio} (A/A control ${results.throughput.cpuPerQueryControl}) |\n` +
        `| warm-cache connect p50 (ms, ${rawConnect.length} each) | ${results.connect.rawP50Ms} | ${results.connect.secretP50Ms} | ${results.connect.ratio} |\n` +
        `| recovery after SingleUser rotation (ms, ${recovery.length} trials) | — | p50 ${results.recoveryAfterRotation.p50Ms}, p99 ${results.recoveryAfterRotation.p99Ms} | — |`,
    )
  } finally {
    await secretClient.close()
    await emulator.close()
    await server.stop()
  }
}

await main()
