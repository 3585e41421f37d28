import type Kms from '@alicloud/kms20160120'
import * as $Kms from '@alicloud/kms20160120'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type KmsEmulator, KmsEmulatorError, startKmsEmulator } from '../src/index.js'
import { rawCall, sdkClient, sdkError } from './helpers/sdk-client.js'
import { signedRequest } from './helpers/signed-request.js'

let emulator: KmsEmulator
let client: Kms

beforeEach(async () => {
  emulator = await startKmsEmulator({
    schedulerIntervalMs: 0,
    secrets: [
      { name: 'a', value: 'A' },
      { name: 'b', value: 'B' },
    ],
  })
  client = sdkClient(emulator)
})

afterEach(async () => {
  await emulator.close()
})

const get = (name = 'a') =>
  client.getSecretValue(new $Kms.GetSecretValueRequest({ secretName: name }))
const list = () => client.listSecrets(new $Kms.ListSecretsRequest({}))

describe('fault injection', () => {
  it('times: 2 fails exactly two GetSecretValue calls with the chosen code; other actions are unaffected', async () => {
    emulator.faults.inject({ action: 'GetSecretValue', error: 'Rejected.Throttling', times: 2 })
    await list()
    expect((await sdkError(get())).code).toBe('Rejected.ThrottlingError')
    await list()
    const second = await signedRequest(emulator, {
      action: 'GetSecretValue',
      params: { SecretName: 'a' },
    })
    expect(second.status).toBe(429)
    expect(second.body.Code).toBe('Rejected.Throttling')
    expect((await get()).secretData).toBe('A')
    expect((await get()).secretData).toBe('A')
    expect(emulator.counters('GetSecretValue')).toEqual({
      calls: 4,
      ok: 2,
      errors: 2,
      byCode: { 'Rejected.Throttling': 2, OK: 2 },
    })
    expect(emulator.counters('ListSecrets')).toEqual({
      calls: 2,
      ok: 2,
      errors: 0,
      byCode: { OK: 2 },
    })
    expect(emulator.faults.list()).toEqual([])
  })

  it.each([
    ['ServiceUnavailableTemporary', 503],
    ['InternalFailure', 500],
    ['Rejected.Throttling', 429],
  ] as const)('%s answers HTTP %i with a real error body', async (code, status) => {
    emulator.faults.inject({ error: code, times: 1 })
    const res = await signedRequest(emulator, { action: 'ListSecrets' })
    expect(res.status).toBe(status)
    expect(res.body).toEqual({
      RequestId: expect.any(String),
      HostId: expect.any(String),
      Code: code,
      Message: expect.any(String),
      Recommend: expect.any(String),
    })
  })

  it('a secretName filter only affects calls about that secret', async () => {
    emulator.faults.inject({ secretName: 'b', error: 'InternalFailure' })
    expect((await get('a')).secretData).toBe('A')
    expect((await sdkError(get('b'))).code).toBe('InternalFailureError')
    expect((await sdkError(get('b'))).code).toBe('InternalFailureError')
    expect(emulator.counters('GetSecretValue').byCode).toEqual({ OK: 1, InternalFailure: 2 })
  })

  it('probability is drawn from the injected random source; unaffected calls keep their budget', async () => {
    await emulator.close()
    const draws = [0.9, 0.1, 0.9, 0.1]
    emulator = await startKmsEmulator({
      schedulerIntervalMs: 0,
      secrets: [{ name: 'a', value: 'A' }],
      random: () => draws.shift() ?? 0.9,
    })
    client = sdkClient(emulator)
    emulator.faults.inject({ error: 'ServiceUnavailableTemporary', probability: 0.5, times: 2 })
    const outcomes: string[] = []
    for (let i = 0; i < 5; i++) {
      outcomes.push(
        await get().then(
          () => 'ok',
          (e: { code: string }) => e.code,
        ),
      )
    }
    expect(outcomes).toEqual([
      'ok',
      'ServiceUnavailableTemporaryError',
      'ok',
      'ServiceUnavailableTemporaryError',
      'ok',
    ])
  })

  it('reset destroys the socket; the call is audited as ConnectionReset', async () => {
    emulator.faults.inject({ action: 'GetSecretValue', reset: true, times: 1 })
    const err = await sdkError(get())
    expect(err.code).toMatch(/ECONNRESET|socket hang up/i)
    expect((await get()).secretData).toBe('A')
    expect(emulator.counters('GetSecretValue').byCode).toEqual({ ConnectionReset: 1, OK: 1 })
  })

  it('hang holds the call until the fault is cleared, then it is answered', async () => {
    emulator.faults.inject({ action: 'GetSecretValue', hang: true })
    const pending = get()
    await expect.poll(() => emulator.faults.hungCount).toBe(1)
    await list()
    emulator.faults.clear()
    expect((await pending).secretData).toBe('A')
  })

  it('close() releases hung and delayed calls and resolves', async () => {
    emulator.faults.inject({ action: 'GetSecretValue', hang: true })
    emulator.faults.inject({ action: 'ListSecrets', latencyMs: 3_600_000 })
    const hung = sdkError(get())
    const slow = sdkError(list())
    await expect.poll(() => emulator.faults.hungCount).toBe(1)
    await emulator.close()
    expect((await hung).code).toMatch(/ECONNRESET|socket hang up/i)
    expect((await slow).code).toMatch(/ECONNRESET|socket hang up/i)
  })

  it('latency-only faults delay and then answer normally, recorded with the fault id', async () => {
    const id = emulator.faults.inject({ action: 'GetSecretValue', latencyMs: 5, times: 1 })
    expect((await get()).secretData).toBe('A')
    expect(emulator.audit().find((e) => e.action === 'GetSecretValue')?.faultId).toBe(id)
  })

  it('invalid rules are rejected with INVALID_OPTIONS', () => {
    const bad = [
      { error: 'Nope' },
      { times: 0, error: 'InternalFailure' },
      { probability: 2, error: 'InternalFailure' },
      { hang: true, reset: true },
      {},
      { action: 'GetSecretValue', colour: 'red', error: 'InternalFailure' },
    ]
    for (const rule of bad) {
      expect(() => emulator.faults.inject(rule as never)).toThrow(KmsEmulatorError)
    }
    expect(() =>
      emulator.faults.injectRotation({ mode: 'sideways' as never, windowMs: 1 }),
    ).toThrow(/rotation fault mode/)
  })

  it('a fault action must be a known operation: a typo is INVALID_OPTIONS, not a silent no-op', () => {
    for (const action of ['GetSecretValu', 'getsecretvalue', 'toString', 42]) {
      expect(() => emulator.faults.inject({ action, error: 'InternalFailure' } as never)).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTIONS' }),
      )
    }
    expect(emulator.faults.list()).toEqual([])
    expect(() =>
      emulator.faults.inject({ action: 'CheckSecretAccount', latencyMs: 1 }),
    ).not.toThrow()
  })

  it('remove() deletes one fault', async () => {
    const id = emulator.faults.inject({ error: 'InternalFailure' })
    emulator.faults.remove(id)
    expect((await get()).secretData).toBe('A')
  })
})

describe('audit counters', () => {
  it('unknown actions of unauthenticated requests share one counter instead of one each', async () => {
    for (let i = 0; i < 25; i++) {
      const res = await fetch(`${emulator.endpoint}/?Action=Made-Up-${i}&Version=2016-01-20`, {
        method: 'POST',
      })
      expect(res.status).toBe(400)
    }
    await signedRequest(emulator, { action: 'NoSuchAction' })
    await fetch(`${emulator.endpoint}/?Version=2016-01-20`, { method: 'POST' })
    await list()
    const counters = emulator.allCounters()
    expect(Object.keys(counters).sort()).toEqual(['(none)', '(unknown)', 'ListSecrets'])
    expect(counters['(unknown)']).toMatchObject({ calls: 26, errors: 26 })
    expect(counters['(unknown)']?.byCode).toEqual({
      IncompleteSignature: 25,
      'InvalidAction.NotFound': 1,
    })
    // The audit entries keep the name that was sent.
    expect(emulator.audit().some((e) => e.action === 'Made-Up-7')).toBe(true)
  })
})

describe('admin endpoint', () => {
  const admin = (path: string, init?: RequestInit) =>
    fetch(`${emulator.endpoint}/__emulator/${path}`, {
      ...init,
      headers: { 'x-kms-emulator-admin': '1', 'content-type': 'application/json' },
    }).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as Record<string, unknown>,
    }))

  it('injects and clears faults, serves counters and the audit log', async () => {
    const injected = await admin('faults', {
      method: 'POST',
      body: JSON.stringify({
        action: 'GetSecretValue',
        error: 'ServiceUnavailableTemporary',
        times: 1,
      }),
    })
    expect(injected).toEqual({ status: 200, body: { id: expect.any(Number) } })
    expect((await sdkError(get())).code).toBe('ServiceUnavailableTemporaryError')
    await get()
    const counters = await admin('counters?action=GetSecretValue')
    expect(counters.body).toEqual({
      calls: 2,
      ok: 1,
      errors: 1,
      byCode: { ServiceUnavailableTemporary: 1, OK: 1 },
    })
    const all = await admin('counters')
    expect(Object.keys(all.body)).toEqual(['GetSecretValue'])
    const audit = await admin('audit')
    expect((audit.body.entries as unknown[]).length).toBe(2)
    expect(JSON.stringify(audit.body)).not.toContain('"A"')

    await admin('faults', { method: 'POST', body: JSON.stringify({ error: 'InternalFailure' }) })
    expect(((await admin('faults')).body.faults as unknown[]).length).toBe(1)
    await admin('faults', { method: 'DELETE' })
    expect((await get()).secretData).toBe('A')
    await admin('counters/reset', { method: 'POST' })
    expect(emulator.counters('GetSecretValue').calls).toBe(0)
  })

  it('rejects an invalid fault rule and unknown paths', async () => {
    const bad = await admin('faults', { method: 'POST', body: JSON.stringify({ error: 'Nope' }) })
    expect(bad.status).toBe(400)
    expect(bad.body.Code).toBe('INVALID_OPTIONS')
    const notJson = await admin('faults', { method: 'POST', body: '{' })
    expect(notJson.status).toBe(400)
    const unknown = await admin('teapot')
    expect(unknown.status).toBe(404)
  })

  it('admin calls are not counted as API calls', async () => {
    await admin('counters')
    await rawCall(client, 'ListSecrets', {})
    expect(Object.keys(emulator.allCounters())).toEqual(['ListSecrets'])
  })
})
