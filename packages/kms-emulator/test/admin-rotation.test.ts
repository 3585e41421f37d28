import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { KmsEmulator } from '../src/index.js'
import type { FakeDatabaseEngine } from './helpers/fake-database-engine.js'
import { startFakeRdsEmulator } from './helpers/fake-rds-emulator.js'
import { HOUR, type ManualClock } from './helpers/manual-clock.js'

let clock: ManualClock
let engine: FakeDatabaseEngine
let emulator: KmsEmulator

beforeEach(async () => {
  ;({ clock, engine, emulator } = await startFakeRdsEmulator({ app: 'pw0' }, [
    {
      name: 'db/app',
      rds: { instanceId: 'rm-local', accountName: 'app', accountPassword: 'pw0' },
      rotationInterval: '6h',
    },
  ]))
})

afterEach(async () => {
  await emulator.close()
})

const admin = (path: string, method = 'GET', body?: unknown) =>
  fetch(`${emulator.endpoint}/__emulator/${path}`, {
    method,
    headers: { 'x-kms-emulator-admin': '1', 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }))

describe('admin endpoint: rotation, check, tick, health', () => {
  it('rotates a secret by name (slashes included) and checks its account', async () => {
    const rotated = await admin('secrets/db%2Fapp/rotate', 'POST')
    expect(rotated.status).toBe(200)
    expect(rotated.body).toEqual({ SecretName: 'db/app', VersionId: expect.any(String) })
    const check = await admin('secrets/db/app/check')
    expect(check.body.Consistent).toBe(true)
    expect(JSON.stringify(check.body)).not.toContain(engine.accounts.get('app')?.password as string)
    const missing = await admin('secrets/nope/rotate', 'POST')
    expect(missing.status).toBe(404)
    expect(missing.body.Code).toBe('Forbidden.ResourceNotFound')
  })

  it('POST tick runs due automatic rotations on the emulator clock', async () => {
    clock.advance(6 * HOUR)
    expect(engine.calls).not.toContain('setPassword app')
    expect((await admin('tick', 'POST')).status).toBe(200)
    expect(engine.calls).toContain('setPassword app')
  })

  it('POST faults with a rotation rule breaks the next rotation', async () => {
    const res = await admin('faults', 'POST', {
      rotation: { mode: 'database-ahead-of-secret', windowMs: 1000 },
    })
    expect(res.status).toBe(200)
    await admin('secrets/db/app/rotate', 'POST')
    const check = await admin('secrets/db/app/check')
    expect(check.body.Consistent).toBe(false)
    clock.advance(1000)
    await admin('tick', 'POST')
    expect((await admin('secrets/db/app/check')).body.Consistent).toBe(true)
  })

  it('health reports the endpoint and the access key id, not the secret', async () => {
    const health = await admin('health')
    expect(health.body).toEqual({
      endpoint: emulator.endpoint,
      regionId: 'cn-hangzhou',
      accessKeyId: emulator.accessKeyId,
    })
    expect(JSON.stringify(health.body)).not.toContain(emulator.accessKeySecret)
  })
})
