import { performance } from 'node:perf_hooks'
import { type KmsEmulator, startKmsEmulator } from '@org/kms-emulator'
import { SecretCacheClient } from '@org/secret-client'
import { quantile } from '@org/test-support'
import {
  type DemoDatabase,
  type DemoDatabaseName,
  type DemoPool,
  openDemoDatabase,
} from './demo-database.js'
import type { DemoResult, DemoRotation, DemoSample, RotationKind } from './demo-result.js'

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** The database and driver. @default 'postgres' */
  db?: DemoDatabaseName
  /**
   * How long the workers query, in ms: the first half under dual-account rotation, the second
   * under single-account rotation.
   * @default 30000
   */
  durationMs?: number
  /** Concurrent query loops. @default 8 */
  workers?: number
  /** Automatic rotation interval of each secret, whole seconds. @default 3 */
  rotationIntervalSec?: number
  /** Length of one sample (the live view's refresh and the chart's resolution). @default 500 */
  sampleMs?: number
  /** Stops the run early (Ctrl-C): the result says `interrupted`, everything is cleaned up. */
  signal?: AbortSignal
  /** Called at the end of every sample with the run so far. */
  onSample?(progress: DemoProgress): void
  /** Set-up and tear-down lines (never a password). @default nothing */
  log?(line: string): void
}

/** The run so far, as the live view shows it. */
export interface DemoProgress {
  readonly db: string
  readonly driver: string
  readonly where: string
  readonly elapsedMs: number
  readonly durationMs: number
  readonly phase: RotationKind
  readonly sample: DemoSample
  readonly rotations: readonly DemoRotation[]
  readonly queries: number
  readonly failed: number
  readonly kmsCalls: number
}

const DEFAULTS = { durationMs: 30_000, workers: 8, rotationIntervalSec: 3, sampleMs: 500 }

/**
 * The project's main job, end to end: a local KMS (the emulator) manages two secrets of a real
 * database — one dual-account, one single-account, each account created by the emulator as the
 * console's "Create account" does — and rotates them automatically every few seconds, while
 * workers query through a pool of the rotation-aware driver reading its credentials from the
 * secret. The first half of the run rotates the dual-account secret (the pool moves between the
 * two accounts), the second the single-account one (the password is reset in place; new logins
 * in the window retry with the refreshed secret). Everything created is dropped at the end, also
 * when `signal` stops the run early.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const durationMs = options.durationMs ?? DEFAULTS.durationMs
  const workers = options.workers ?? DEFAULTS.workers
  const rotationIntervalSec = options.rotationIntervalSec ?? DEFAULTS.rotationIntervalSec
  const sampleMs = options.sampleMs ?? DEFAULTS.sampleMs
  const log = options.log ?? (() => {})
  const signal = options.signal
  checkOptions({ durationMs, workers, rotationIntervalSec, sampleMs })

  const suffix = Math.random().toString(36).slice(2, 8)
  const created = { accounts: [] as string[], databases: [] as string[] }
  const cleanups: Array<() => Promise<unknown>> = []
  try {
    log(`starting the ${options.db ?? 'postgres'} database…`)
    const db = await openDemoDatabase(options.db ?? 'postgres')
    cleanups.push(() => db.close(created))
    log(`${db.where}; starting the KMS emulator…`)
    const emulator = await startKmsEmulator({
      allowShortRotationInterval: true,
      schedulerIntervalMs: 100,
      databases: { 'rm-demo': db.emulatorDatabase as never },
    })
    cleanups.push(() => emulator.close())
    const secretClient = new SecretCacheClient({
      endpoint: emulator.endpoint,
      regionId: emulator.regionId,
      credential: { accessKeyId: emulator.accessKeyId, accessKeySecret: emulator.accessKeySecret },
      // Shorter than the rotation interval, so new logins move to the new ACSCurrent on their
      // own; a login in the single-account window is retried with a forced refresh.
      ttlMs: Math.min(1_000, (rotationIntervalSec * 1_000) / 2),
      minRefreshIntervalMs: 200,
    })
    cleanups.push(() => secretClient.close())

    const secrets = {
      dual: await createSecret(emulator, `demo_${suffix}`, 'DoubleUsers', created),
      single: await createSecret(emulator, `demo1_${suffix}`, 'SingleUser', created),
    }
    log(`secrets ${secrets.dual.name} (dual-account) and ${secrets.single.name} (single-account)`)
    const pools: Record<RotationKind, DemoPool> = {
      dual: db.openPool({ ...secrets.dual, secretName: secrets.dual.name, secretClient, size: 4 }),
      single: db.openPool({
        ...secrets.single,
        secretName: secrets.single.name,
        secretClient,
        size: 4,
      }),
    }
    cleanups.push(() => Promise.allSettled([pools.dual.end(), pools.single.end()]))
    if (signal?.aborted) return emptyResult(db, options, { durationMs, workers, sampleMs })
    return await runWorkers({
      db,
      emulator,
      secrets,
      pools,
      durationMs,
      workers,
      rotationIntervalSec,
      sampleMs,
      signal,
      onSample: options.onSample,
    })
  } finally {
    log('cleaning up: pools, secret client, emulator, accounts and databases…')
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => log(`clean-up step failed: ${describe(error)}`))
    }
  }
}

interface DemoSecret {
  name: string
  account: string
  database: string
}

/** A managed secret whose account (and database) the emulator creates. */
async function createSecret(
  emulator: KmsEmulator,
  account: string,
  subType: 'DoubleUsers' | 'SingleUser',
  created: { accounts: string[]; databases: string[] },
): Promise<DemoSecret> {
  const database = `${account}_shop`
  const name = `demo/${account}`
  created.accounts.push(account)
  created.databases.push(database)
  await emulator.call('CreateSecret', {
    SecretName: name,
    SecretType: 'Rds',
    VersionId: 'v1',
    SecretData: JSON.stringify({ Accounts: [{ AccountName: account }] }),
    ExtendedConfig: JSON.stringify({
      DBInstanceId: 'rm-demo',
      SecretSubType: subType,
      CreateAccount: true,
      Databases: [{ DBName: database, Privilege: 'ReadWrite' }],
    }),
  })
  return { name, account, database }
}

interface WorkerRun {
  db: DemoDatabase
  emulator: KmsEmulator
  secrets: Record<RotationKind, DemoSecret>
  pools: Record<RotationKind, DemoPool>
  durationMs: number
  workers: number
  rotationIntervalSec: number
  sampleMs: number
  signal: AbortSignal | undefined
  onSample: DemoOptions['onSample']
}

async function runWorkers(run: WorkerRun): Promise<DemoResult> {
  const { emulator, secrets, pools, durationMs, sampleMs, signal } = run
  const startedAt = new Date()
  const started = performance.now()
  const elapsed = () => performance.now() - started
  let phase: RotationKind = 'dual'
  let stopping = false
  const samples: DemoSample[] = []
  const rotations: DemoRotation[] = []
  const accounts: string[] = []
  const allLatencies: number[] = []
  let current = {
    queries: 0,
    failed: 0,
    latencies: [] as number[],
    account: undefined as string | undefined,
  }
  let queries = 0
  let failed = 0
  let kmsCalls = 0

  const setRotation = (kind: RotationKind, enabled: boolean) =>
    emulator.call('UpdateSecretRotationPolicy', {
      SecretName: secrets[kind].name,
      EnableAutomaticRotation: String(enabled),
      ...(enabled ? { RotationInterval: `${run.rotationIntervalSec}s` } : {}),
    })
  const versions: Record<RotationKind, string> = {
    dual: await currentVersion(emulator, secrets.dual.name),
    single: await currentVersion(emulator, secrets.single.name),
  }
  await setRotation('dual', true)

  const worker = async () => {
    while (!stopping) {
      const pool = pools[phase]
      const began = performance.now()
      try {
        const account = await pool.whoami()
        const latency = performance.now() - began
        current.queries++
        current.latencies.push(latency)
        current.account = account
        allLatencies.push(latency)
        queries++
        if (!accounts.includes(account)) accounts.push(account)
      } catch {
        current.failed++
        failed++
      }
    }
  }

  let kmsBefore = emulator.counters('GetSecretValue').calls
  let lastSampleAt = 0
  const takeSample = async () => {
    const now = elapsed()
    const kms = emulator.counters('GetSecretValue').calls
    const sample: DemoSample = {
      atMs: Math.round(now),
      intervalMs: Math.max(1, Math.round(now - lastSampleAt)),
      phase,
      queries: current.queries,
      failed: current.failed,
      kmsCalls: kms - kmsBefore,
      p50Ms: current.latencies.length > 0 ? quantile(current.latencies, 0.5) : undefined,
      p99Ms: current.latencies.length > 0 ? quantile(current.latencies, 0.99) : undefined,
      account: current.account,
    }
    kmsBefore = kms
    kmsCalls += sample.kmsCalls
    lastSampleAt = now
    current = { queries: 0, failed: 0, latencies: [], account: current.account }
    samples.push(sample)
    for (const kind of ['dual', 'single'] as const) {
      const { versionId, account } = await currentSecret(emulator, secrets[kind].name)
      if (versionId !== versions[kind]) {
        versions[kind] = versionId
        rotations.push({ atMs: Math.round(elapsed()), kind, account })
      }
    }
    run.onSample?.({
      db: run.db.name,
      driver: run.db.driver,
      where: run.db.where,
      elapsedMs: now,
      durationMs,
      phase,
      sample,
      rotations,
      queries,
      failed,
      kmsCalls,
    })
  }

  const running = Array.from({ length: run.workers }, worker)
  let interrupted = false
  try {
    while (elapsed() < durationMs) {
      if (signal?.aborted) {
        interrupted = true
        break
      }
      await sleep(Math.min(sampleMs, durationMs - elapsed()), signal)
      if (phase === 'dual' && elapsed() >= durationMs / 2) {
        await setRotation('dual', false)
        phase = 'single'
        await setRotation('single', true)
      }
      await takeSample()
    }
  } finally {
    stopping = true
    await Promise.all(running)
    await setRotation(phase, false).catch(() => {})
  }
  // Queries that ended after the last sample (the workers' last round, a few ms) count in it: a
  // sample of their own would chart a rate from a few milliseconds.
  const last = samples.at(-1)
  if (last !== undefined) {
    last.queries += current.queries
    last.failed += current.failed
  } else if (current.queries > 0 || current.failed > 0) {
    await takeSample()
  }
  return {
    db: run.db.name,
    driver: run.db.driver,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(elapsed()),
    workers: run.workers,
    rotationIntervalMs: run.rotationIntervalSec * 1_000,
    interrupted,
    samples,
    rotations,
    totals: {
      queries,
      failed,
      kmsCalls,
      accounts,
      p50Ms: allLatencies.length > 0 ? quantile(allLatencies, 0.5) : undefined,
      p99Ms: allLatencies.length > 0 ? quantile(allLatencies, 0.99) : undefined,
    },
  }
}

/** The secret's `ACSCurrent` version and account, read in-process (not counted as a KMS call). */
async function currentSecret(
  emulator: KmsEmulator,
  name: string,
): Promise<{ versionId: string; account: string }> {
  const value = await emulator.call('GetSecretValue', { SecretName: name })
  const data = JSON.parse(String(value.SecretData)) as { AccountName?: string }
  return { versionId: String(value.VersionId), account: data.AccountName ?? '' }
}

const currentVersion = async (emulator: KmsEmulator, name: string) =>
  (await currentSecret(emulator, name)).versionId

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, Math.max(0, ms))
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}

function emptyResult(
  db: DemoDatabase,
  options: DemoOptions,
  run: { durationMs: number; workers: number; sampleMs: number },
): DemoResult {
  return {
    db: db.name,
    driver: db.driver,
    startedAt: new Date().toISOString(),
    durationMs: 0,
    workers: run.workers,
    rotationIntervalMs: (options.rotationIntervalSec ?? DEFAULTS.rotationIntervalSec) * 1_000,
    interrupted: true,
    samples: [],
    rotations: [],
    totals: {
      queries: 0,
      failed: 0,
      kmsCalls: 0,
      accounts: [],
      p50Ms: undefined,
      p99Ms: undefined,
    },
  }
}

/** Thrown for an option out of range, before anything is started. */
export class DemoOptionError extends Error {
  readonly code = 'INVALID_OPTION'
  override readonly name = 'DemoOptionError'
}

function checkOptions(values: Record<string, number>): void {
  for (const [key, value] of Object.entries(values)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new DemoOptionError(`${key} must be a positive integer`)
    }
  }
}

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error)
