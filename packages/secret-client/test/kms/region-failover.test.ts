import { inspect } from 'node:util'
import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { classifyError } from '../../src/classify-error.js'
import { createKmsFetcher } from '../../src/kms/create-kms-fetcher.js'
import type { Logger } from '../../src/types.js'
import { ACCESS_KEY_ID, ACCESS_KEY_SECRET, errorBody, secretBody } from './_kms-fixtures.js'

const A = 'http://kms-a.test'
const B = 'http://kms-b.test'
const request = { secretName: 'db/orders', versionStage: 'ACSCurrent' }

type Reply = [number, Record<string, unknown>]

/** A fake clock, and two KMS hosts whose answers and simulated latency each test chooses. */
function setup(answers: { a: () => Reply; b: () => Reply; aMs?: number; bMs?: number }) {
  const clock = { t: 1_000_000 }
  const calls = { a: 0, b: 0 }
  const warnings: Record<string, unknown>[] = []
  const logger: Logger = { warn: (_message, context) => warnings.push(context ?? {}) }
  nock(A)
    .persist()
    .post('/')
    .query(true)
    .reply(() => {
      calls.a++
      clock.t += answers.aMs ?? 10
      return answers.a()
    })
  nock(B)
    .persist()
    .post('/')
    .query(true)
    .reply(() => {
      calls.b++
      clock.t += answers.bMs ?? 10
      return answers.b()
    })
  const fetcher = createKmsFetcher({
    regions: [
      { regionId: 'cn-a', endpoint: A },
      { regionId: 'cn-b', endpoint: B },
    ],
    credential: { accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET },
    logger,
    routing: { now: () => clock.t, cooldownMs: 30_000 },
  })
  return { fetcher, calls, clock, warnings }
}

const ok = (versionId: string) => (): Reply => [200, secretBody({ VersionId: versionId })]

beforeAll(() => nock.disableNetConnect())
afterEach(() => {
  nock.abortPendingRequests()
  nock.cleanAll()
})
afterAll(() => {
  nock.enableNetConnect()
  nock.restore()
})

describe('region failover', () => {
  it.each([
    [429, 'Rejected.Throttling'],
    [503, 'ServiceUnavailableTemporary'],
    [500, 'InternalFailure'],
  ])('fails over at once on %i %s within the same call', async (status, code) => {
    const { fetcher, calls, warnings } = setup({ a: () => [status, errorBody(code)], b: ok('vb') })
    const record = await fetcher.fetchSecret(request)
    expect(record.versionId).toBe('vb')
    expect(calls).toEqual({ a: 1, b: 1 })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatchObject({ regionId: 'cn-a', kmsCode: code, failoverTo: 'cn-b' })
    expect(inspect(warnings)).not.toContain(ACCESS_KEY_SECRET)
    expect(inspect(warnings)).not.toContain('AccountPassword')
  })

  it('fails over on a network error', async () => {
    const clock = { t: 0 }
    nock(A)
      .post('/')
      .query(true)
      .replyWithError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))
    nock(B)
      .post('/')
      .query(true)
      .reply(200, secretBody({ VersionId: 'vb' }))
    const fetcher = createKmsFetcher({
      regions: [
        { regionId: 'cn-a', endpoint: A },
        { regionId: 'cn-b', endpoint: B },
      ],
      credential: { accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET },
      routing: { now: () => clock.t },
    })
    expect((await fetcher.fetchSecret(request)).versionId).toBe('vb')
  })

  it('skips the failed region during its cool-down, then probes it again', async () => {
    let aFails = true
    const { fetcher, calls, clock } = setup({
      a: () => (aFails ? [503, errorBody('ServiceUnavailableTemporary')] : ok('va')()),
      b: ok('vb'),
    })
    await fetcher.fetchSecret(request)
    expect(calls).toEqual({ a: 1, b: 1 })
    await fetcher.fetchSecret(request)
    await fetcher.fetchSecret(request)
    expect(calls).toEqual({ a: 1, b: 3 })
    clock.t += 30_000
    aFails = false
    // A has never succeeded, so it is unmeasured and probed first once its cool-down is over.
    expect((await fetcher.fetchSecret(request)).versionId).toBe('va')
    expect(calls).toEqual({ a: 2, b: 3 })
  })

  it('does not fail over on non-transient errors', async () => {
    for (const [status, code, expected] of [
      [404, 'Forbidden.ResourceNotFound', 'SECRET_NOT_FOUND'],
      [403, 'Forbidden.NoPermission', 'ACCESS_DENIED'],
    ] as const) {
      const { fetcher, calls } = setup({ a: () => [status, errorBody(code)], b: ok('vb') })
      const err = await fetcher.fetchSecret(request).catch((e: unknown) => e)
      expect(classifyError(err).code).toBe(expected)
      expect(calls).toEqual({ a: 1, b: 0 })
      // A non-transient error says nothing about the region's health: A stays first.
      await fetcher.fetchSecret(request).catch(() => {})
      expect(calls).toEqual({ a: 2, b: 0 })
      nock.cleanAll()
    }
  })

  it('sends calls to the region with the lower measured latency', async () => {
    const { fetcher, calls } = setup({ a: ok('va'), b: ok('vb'), aMs: 120, bMs: 15 })
    await fetcher.fetchSecret(request) // A (unmeasured, first in the list)
    await fetcher.fetchSecret(request) // B (unmeasured)
    expect(calls).toEqual({ a: 1, b: 1 })
    for (let i = 0; i < 5; i++) expect((await fetcher.fetchSecret(request)).versionId).toBe('vb')
    expect(calls).toEqual({ a: 1, b: 6 })
  })

  it('throws the last transient error when every region fails', async () => {
    const { fetcher, calls } = setup({
      a: () => [503, errorBody('ServiceUnavailableTemporary', 'req-a')],
      b: () => [429, errorBody('Rejected.Throttling', 'req-b')],
    })
    const err = classifyError(await fetcher.fetchSecret(request).catch((e: unknown) => e))
    expect(err.code).toBe('THROTTLED')
    expect(err.requestId).toBe('req-b')
    expect(calls).toEqual({ a: 1, b: 1 })
    // Both are cooling now: only the least recently failed one (A) is tried.
    await fetcher.fetchSecret(request).catch(() => {})
    expect(calls).toEqual({ a: 2, b: 1 })
  })

  it('a logger that throws does not break the failover', async () => {
    nock(A).post('/').query(true).reply(503, errorBody('ServiceUnavailableTemporary'))
    nock(B)
      .post('/')
      .query(true)
      .reply(200, secretBody({ VersionId: 'vb' }))
    let warned = 0
    const fetcher = createKmsFetcher({
      regions: [
        { regionId: 'cn-a', endpoint: A },
        { regionId: 'cn-b', endpoint: B },
      ],
      credential: { accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET },
      logger: {
        warn: () => {
          warned++
          throw new Error('logger is broken')
        },
      },
    })
    expect((await fetcher.fetchSecret(request)).versionId).toBe('vb')
    expect(warned).toBe(1)
  })
})
