import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type KmsEmulator, startKmsEmulator } from '../src/index.js'
import { automaticRetryDelayMs } from '../src/rotation/rds-rotator.js'
import { readStateFile } from '../src/store/state-file.js'
import { FakeDatabaseEngine } from './helpers/fake-database-engine.js'
import { DAY, HOUR, ManualClock } from './helpers/manual-clock.js'

let dir: string
let emulator: KmsEmulator | undefined

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kms-scheduler-'))
})

afterEach(async () => {
  vi.useRealTimers()
  await emulator?.close()
  emulator = undefined
  rmSync(dir, { recursive: true, force: true })
})

const MINUTE = 60_000

describe('scheduler tick after a failure', () => {
  it('a tick that fails to write the state file does not stop later ticks', async () => {
    const clock = new ManualClock()
    const stateFile = join(dir, 'state.json')
    emulator = await startKmsEmulator({
      clock,
      schedulerIntervalMs: 0,
      stateFile,
      secrets: [
        { name: 'a', value: 'x' },
        { name: 'b', value: 'y' },
      ],
    })
    await emulator.call('DeleteSecret', { SecretName: 'a', RecoveryWindowInDays: '7' })
    clock.advance(8 * DAY)
    rmSync(dir, { recursive: true })
    // The purge of "a" throws synchronously while persisting, before the tick's first await.
    await expect(emulator.tick()).rejects.toMatchObject({ code: 'ENOENT' })
    mkdirSync(dir)
    await expect(emulator.tick()).resolves.toBeUndefined()
    await emulator.call('PutSecretValue', { SecretName: 'b', VersionId: 'v2', SecretData: 'y2' })
    expect(readStateFile(stateFile).map((s) => s.name)).toEqual(['b'])
    await expect(emulator.tick()).resolves.toBeUndefined()
  })

  it('the scheduler timer logs the code and message of a failed tick', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const clock = new ManualClock()
    const errors: Array<Record<string, unknown> | undefined> = []
    emulator = await startKmsEmulator({
      clock,
      schedulerIntervalMs: 1000,
      stateFile: join(dir, 'state.json'),
      logger: { error: (_message, fields) => errors.push(fields) },
      secrets: [{ name: 'a', value: 'very-secret' }],
    })
    await emulator.call('DeleteSecret', { SecretName: 'a', RecoveryWindowInDays: '7' })
    clock.advance(8 * DAY)
    rmSync(dir, { recursive: true })
    await vi.advanceTimersByTimeAsync(1000)
    await vi.waitFor(() => expect(errors).toHaveLength(1))
    expect(errors[0]).toMatchObject({ error: 'Error', code: 'ENOENT' })
    expect(String(errors[0]?.message)).toContain('ENOENT')
    expect(JSON.stringify(errors)).not.toContain('very-secret')
  })
})

describe('a failing automatic rotation backs off', () => {
  it('doubles the delay between retries up to an hour, and resets after a success', async () => {
    const clock = new ManualClock()
    const engine = new FakeDatabaseEngine()
    engine.addAccount('app', 'pw0')
    const warnings: Array<Record<string, unknown> | undefined> = []
    emulator = await startKmsEmulator({
      clock,
      schedulerIntervalMs: 0,
      databases: { 'rm-local': { engine: 'mariadb', user: 'root' } },
      databaseEngineFactory: engine.factory(),
      logger: { warn: (_message, fields) => warnings.push(fields) },
      secrets: [
        {
          name: 'db/app',
          rds: { instanceId: 'rm-local', accountName: 'app', accountPassword: 'pw0' },
          rotationInterval: '7d',
        },
      ],
    })
    const attempts = () => engine.calls.filter((c) => c.startsWith('setPassword')).length
    engine.failWith = new Error('server said no')
    clock.advance(7 * DAY)
    await emulator.tick()
    expect(attempts()).toBe(1)

    // A tick every minute for six hours: retries after 1, 2, 4, … minutes, then hourly.
    for (let minute = 1; minute <= 6 * 60; minute++) {
      clock.advance(MINUTE)
      await emulator.tick()
    }
    // Retries at minutes 1, 3, 7, 15, 31, 63, then the delay is capped: 123, 183, 243, 303.
    expect(attempts()).toBe(1 + 10)
    expect(warnings.at(-1)).toMatchObject({ code: 'InternalFailure', retryInMs: HOUR })

    engine.failWith = undefined
    clock.advance(HOUR)
    await emulator.tick()
    expect(attempts()).toBe(12)
    const after = await emulator.call('DescribeSecret', { SecretName: 'db/app' })
    expect(Date.parse(after.NextRotationDate as string)).toBe(clock.now() + 7 * DAY)
  })

  it('retry delays: the interval when shorter than a minute, doubling, never beyond an hour', () => {
    expect(automaticRetryDelayMs(1, 1)).toBe(1000)
    expect(automaticRetryDelayMs(1, 3)).toBe(4000)
    expect(automaticRetryDelayMs(7 * 86_400, 1)).toBe(MINUTE)
    expect(automaticRetryDelayMs(7 * 86_400, 2)).toBe(2 * MINUTE)
    expect(automaticRetryDelayMs(7 * 86_400, 7)).toBe(HOUR)
    expect(automaticRetryDelayMs(7 * 86_400, 1000)).toBe(HOUR)
  })
})
