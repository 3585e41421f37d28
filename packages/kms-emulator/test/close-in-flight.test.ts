import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type KmsEmulator, type KmsEmulatorOptions, startKmsEmulator } from '../src/index.js'
import { FakeDatabaseEngine } from './helpers/fake-database-engine.js'
import { rawCall, sdkClient } from './helpers/sdk-client.js'

let dir: string
let stateFile: string
let engine: FakeDatabaseEngine

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kms-close-'))
  stateFile = join(dir, 'state.json')
  engine = new FakeDatabaseEngine()
  engine.addAccount('app', 'pw0')
})

afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

function start(options: KmsEmulatorOptions = {}): Promise<KmsEmulator> {
  return startKmsEmulator({
    schedulerIntervalMs: 0,
    stateFile,
    databases: { 'rm-local': { engine: 'mariadb', user: 'root' } },
    databaseEngineFactory: engine.factory(),
    secrets: [
      {
        name: 'db/app',
        rds: { instanceId: 'rm-local', accountName: 'app', accountPassword: 'pw0' },
      },
    ],
    ...options,
  })
}

/** Lets every pending callback run (no timers involved). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve))
}

const stateVersions = () =>
  (
    JSON.parse(readFileSync(stateFile, 'utf8')) as {
      secrets: Array<{ name: string; versions: Array<{ versionId: string }> }>
    }
  ).secrets.flatMap((s) => s.versions.map((v) => `${s.name}:${v.versionId}`))

describe('close() and running operations', () => {
  it('waits for a running rotation before closing the engines, and refuses new calls', async () => {
    const emulator = await start()
    const gate = engine.gate('setPassword')
    const rotation = emulator.rotateSecret('db/app')
    await gate.started
    let closed = false
    const closing = emulator.close().then(() => {
      closed = true
    })
    await settle()
    expect(closed).toBe(false)
    expect(engine.closed).toBe(false)
    await expect(emulator.call('ListSecrets')).rejects.toMatchObject({ code: 'CLOSED' })
    await expect(emulator.rotateSecret('db/app')).rejects.toMatchObject({ code: 'CLOSED' })
    await expect(emulator.tick()).rejects.toMatchObject({ code: 'CLOSED' })

    gate.release()
    const { versionId } = await rotation
    await closing
    expect(engine.calls.slice(-2)).toEqual(['setPassword app', 'close'])
    expect(stateVersions()).toContain(`db/app:${versionId}`)
  })

  it('waits for an HTTP CreateSecret that is creating its account', async () => {
    const emulator = await start()
    const gate = engine.gate('createAccount')
    const request = rawCall(sdkClient(emulator), 'CreateSecret', {
      SecretName: 'db/new',
      SecretType: 'Rds',
      SecretData: JSON.stringify({ Accounts: [{ AccountName: 'fresh' }] }),
      ExtendedConfig: JSON.stringify({
        DBInstanceId: 'rm-local',
        SecretSubType: 'SingleUser',
        CreateAccount: true,
      }),
    }).catch((err: unknown) => err)
    await gate.started
    let closed = false
    const closing = emulator.close().then(() => {
      closed = true
    })
    await settle()
    expect(closed).toBe(false)
    expect(engine.closed).toBe(false)
    gate.release()
    await closing
    await request
    expect(engine.calls.slice(-2)).toEqual(['createAccount fresh', 'close'])
    // The account the call created is owned by a stored secret, not orphaned.
    expect(stateVersions().some((v) => v.startsWith('db/new:'))).toBe(true)
  })

  it('stops waiting after closeTimeoutMs; a late rotation no longer writes the state file', async () => {
    const warnings: Array<Record<string, unknown> | undefined> = []
    const emulator = await start({
      closeTimeoutMs: 1,
      logger: { warn: (_message, fields) => warnings.push(fields) },
    })
    const gate = engine.gate('setPassword')
    const rotation = emulator.rotateSecret('db/app')
    await gate.started
    await emulator.close()
    expect(engine.closed).toBe(true)
    expect(warnings).toEqual([{ running: 1, closeTimeoutMs: 1 }])
    const before = readFileSync(stateFile, 'utf8')
    gate.release()
    await rotation
    expect(readFileSync(stateFile, 'utf8')).toBe(before)
  })

  it('rejects an invalid closeTimeoutMs', async () => {
    await expect(start({ closeTimeoutMs: -1 })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
  })
})
