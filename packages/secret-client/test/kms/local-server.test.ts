import { afterEach, describe, expect, it } from 'vitest'
import { SecretClientError } from '../../src/errors.js'
import { createKmsFetcher } from '../../src/kms/create-kms-fetcher.js'
import { SecretCacheClient } from '../../src/secret-cache-client.js'
import { ACCESS_KEY_ID, ACCESS_KEY_SECRET } from './_kms-fixtures.js'
import { type LocalKms, startLocalKms } from './_local-kms.js'

const credential = { accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET }
const servers: LocalKms[] = []

async function server(mode: 'answer' | 'hang', versionId?: string): Promise<LocalKms> {
  const kms = await startLocalKms(mode, versionId)
  servers.push(kms)
  return kms
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((kms) => kms.stop()))
})

// Real local HTTP servers and real timers: these are about sockets, which fake timers cannot show.
describe('KMS fetcher against real local servers', () => {
  it('a region that accepts but never answers fails over within one attempt of the cache', async () => {
    const hanging = await server('hang')
    const healthy = await server('answer', 'vb')
    const client = new SecretCacheClient({
      regions: [
        { regionId: 'cn-a', endpoint: hanging.url },
        { regionId: 'cn-b', endpoint: healthy.url },
      ],
      credential,
      timeoutMs: 2000, // A gets 1 s of it, B the rest: generous for a loaded CI host
      retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 10 },
    })
    const attempts: number[] = []
    client.on('refresh', (event) => attempts.push(event.attempts))
    expect((await client.getSecretInfo('db/orders')).versionId).toBe('vb')
    expect(attempts).toEqual([1]) // A timed out at its share of the attempt; B answered
    expect([hanging.requests, healthy.requests]).toEqual([1, 1])
    // A is cooling down: the next read goes straight to B.
    expect((await client.refreshNow('db/orders')).versionId).toBe('vb')
    expect([hanging.requests, healthy.requests]).toEqual([1, 2])
    // The timed-out request's socket was destroyed, not left to the SDK's read timeout.
    await hanging.allClosed()
    await client.close()
  })

  it("the cache's per-attempt TIMEOUT cools the slow region down and closes its socket", async () => {
    const hanging = await server('hang')
    const healthy = await server('answer', 'vb')
    const fetcher = createKmsFetcher({
      regions: [
        { regionId: 'cn-a', endpoint: hanging.url },
        { regionId: 'cn-b', endpoint: healthy.url },
      ],
      credential,
      timeoutMs: 600_000, // neither the SDK's nor the region's own timeout plays a part here
    })
    const controller = new AbortController()
    const pending = fetcher
      .fetchSecret({
        secretName: 'db/orders',
        versionStage: 'ACSCurrent',
        signal: controller.signal,
      })
      .catch((err: unknown) => err)
    await hanging.requested()
    // Exactly what the cache's runWithRetry aborts an attempt with when it runs out of time.
    controller.abort(new SecretClientError('TIMEOUT', 'secret "db": KMS request timed out'))
    expect(await pending).toMatchObject({ code: 'TIMEOUT' })
    await hanging.allClosed()
    const record = await fetcher.fetchSecret({
      secretName: 'db/orders',
      versionStage: 'ACSCurrent',
    })
    expect(record.versionId).toBe('vb')
    expect([hanging.requests, healthy.requests]).toEqual([1, 1])
    await fetcher.close?.()
  })

  it('close() destroys a request in flight: the server sees the socket closed', async () => {
    const hanging = await server('hang')
    const client = new SecretCacheClient({ endpoint: hanging.url, credential, timeoutMs: 600_000 })
    const read = client.getSecretInfo('db/orders').catch((err: unknown) => err)
    await hanging.requested()
    expect(hanging.openSockets()).toBe(1)
    await client.close()
    expect(await read).toMatchObject({ code: 'CLOSED' })
    await hanging.allClosed()
  })

  it('close() closes the idle keep-alive sockets its requests left open', async () => {
    const healthy = await server('answer', 'v1')
    const client = new SecretCacheClient({ endpoint: healthy.url, credential })
    expect((await client.getSecretInfo('db/orders')).versionId).toBe('v1')
    expect(healthy.openSockets()).toBe(1) // kept alive for the next request
    await client.close()
    await healthy.allClosed()
  })

  it('a dozen clients sharing the keep-alive socket do not pile listeners on it (no MaxListenersExceededWarning)', async () => {
    const healthy = await server('answer', 'v1')
    const warnings: string[] = []
    const onWarning = (warning: Error) => warnings.push(warning.name)
    process.on('warning', onWarning)
    const clients = Array.from(
      { length: 12 },
      () => new SecretCacheClient({ endpoint: healthy.url, regionId: 'cn-a', credential }),
    )
    try {
      // One after another, so the SDK's agent reuses one idle socket for every client.
      for (const client of clients) await client.getSecretInfo('db/orders')
      expect(healthy.openSockets()).toBe(1)
      await new Promise((resolve) => setImmediate(resolve))
      expect(warnings).not.toContain('MaxListenersExceededWarning')
    } finally {
      process.off('warning', onWarning)
      await Promise.all(clients.map((client) => client.close()))
    }
    await healthy.allClosed()
  })
})
