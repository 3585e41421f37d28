import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import * as $Kms from '@alicloud/kms20160120'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { KmsEmulatorError, startKmsEmulator } from '../src/index.js'
import { FakeDatabaseEngine } from './helpers/fake-database-engine.js'
import { rawCall, sdkClient } from './helpers/sdk-client.js'

let dir: string
let stateFile: string

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kms-state-'))
  stateFile = join(dir, 'state.json')
})

afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('stateFile', () => {
  it('a restart keeps secrets, versions, tags and deletion schedules', async () => {
    const first = await startKmsEmulator({ stateFile, schedulerIntervalMs: 0 })
    const client = sdkClient(first)
    await client.createSecret(
      new $Kms.CreateSecretRequest({
        secretName: 'kept',
        versionId: 'v1',
        secretData: 'one',
        tags: JSON.stringify([{ TagKey: 'k', TagValue: 'v' }]),
      }),
    )
    await client.putSecretValue(
      new $Kms.PutSecretValueRequest({ secretName: 'kept', versionId: 'v2', secretData: 'two' }),
    )
    await client.createSecret(
      new $Kms.CreateSecretRequest({ secretName: 'pending', versionId: 'v1', secretData: 'x' }),
    )
    await client.deleteSecret(new $Kms.DeleteSecretRequest({ secretName: 'pending' }))
    await first.close()
    expect(statSync(stateFile).mode & 0o777).toBe(0o600)
    expect(readdirSync(dir)).toEqual(['state.json'])

    const second = await startKmsEmulator({
      stateFile,
      schedulerIntervalMs: 0,
      secrets: [{ name: 'kept', value: 'initial values never overwrite persisted ones' }],
    })
    try {
      const c2 = sdkClient(second)
      const current = await c2.getSecretValue(
        new $Kms.GetSecretValueRequest({ secretName: 'kept' }),
      )
      expect(current.secretData).toBe('two')
      const previous = await c2.getSecretValue(
        new $Kms.GetSecretValueRequest({ secretName: 'kept', versionStage: 'ACSPrevious' }),
      )
      expect(previous.secretData).toBe('one')
      const tags = await rawCall(c2, 'ListResourceTags', { SecretName: 'kept' })
      expect(tags.Tags).toEqual({ Tag: [{ TagKey: 'k', TagValue: 'v' }] })
      const pending = await rawCall(c2, 'DescribeSecret', { SecretName: 'pending' })
      expect(pending.PlannedDeleteTime).toEqual(expect.any(String))
    } finally {
      await second.close()
    }
  })

  it('persists rotation state of managed secrets', async () => {
    const engine = new FakeDatabaseEngine()
    engine.addAccount('app', 'pw0')
    const options = {
      stateFile,
      schedulerIntervalMs: 0,
      databases: { 'rm-local': { engine: 'mariadb' as const, user: 'root' } },
      databaseEngineFactory: engine.factory(),
    }
    const first = await startKmsEmulator({
      ...options,
      secrets: [
        {
          name: 'db',
          rds: {
            instanceId: 'rm-local',
            subType: 'DoubleUsers',
            accountName: 'app',
            accountPassword: 'pw0',
          },
        },
      ],
    })
    await first.rotateSecret('db')
    await first.close()
    const second = await startKmsEmulator(options)
    try {
      await second.rotateSecret('db')
      // The clone already exists, so the second rotation resets "app" instead of cloning again.
      expect(engine.calls.filter((c) => c.startsWith('cloneAccount'))).toHaveLength(1)
      expect(engine.calls).toContain('setPassword app')
    } finally {
      await second.close()
    }
  })

  it('a corrupt state file fails start-up with STATE_FILE_INVALID', async () => {
    writeFileSync(stateFile, '{ not json')
    const err = await startKmsEmulator({ stateFile }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(KmsEmulatorError)
    expect((err as KmsEmulatorError).code).toBe('STATE_FILE_INVALID')
    writeFileSync(stateFile, JSON.stringify({ version: 99, secrets: [] }))
    const wrongVersion = await startKmsEmulator({ stateFile }).catch((e: unknown) => e)
    expect((wrongVersion as KmsEmulatorError).code).toBe('STATE_FILE_INVALID')
    expect(readFileSync(stateFile, 'utf8')).toContain('99')
  })

  it('an invalid state file error never quotes the file (whose content is secret values)', async () => {
    writeFileSync(stateFile, '{"version":1,"secrets":[{"name":"s","data":"hunter2-secret" oops}]}')
    const err = await startKmsEmulator({ stateFile }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'STATE_FILE_INVALID' })
    expect((err as Error).cause).toBeUndefined()
    expect((err as Error).message).toMatch(/not valid JSON at position \d+/)
    for (const text of [(err as Error).message, inspect(err, { depth: 5 }), JSON.stringify(err)]) {
      expect(text).not.toContain('hunter2')
    }
  })
})
