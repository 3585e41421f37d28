import { afterEach, expect, it } from 'vitest'
import { connectWithSecret } from '../../src/driver/connect-with-secret.js'
import { SecretCacheClient } from '../../src/secret-cache-client.js'
import type { FetchSecretRequest, SecretRecord } from '../../src/types.js'

// A file of its own: Node warns about an EventTarget's listeners once per target, so an earlier
// test sharing a module-level signal could hide the warning.

let client: SecretCacheClient | undefined
afterEach(async () => {
  await client?.close()
})

it('20 concurrent cold connects without a signal leave no listener pile-up (no MaxListenersExceededWarning)', async () => {
  let release: () => void = () => {}
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  const record: SecretRecord = {
    secretName: 'db/app',
    versionId: 'v1',
    secretValue: JSON.stringify({ AccountName: 'app', AccountPassword: 'pw' }),
    versionStages: ['ACSCurrent'],
  }
  let fetches = 0
  client = new SecretCacheClient({
    fetcher: {
      async fetchSecret(_request: FetchSecretRequest) {
        fetches += 1
        await gate // every connect joins the one cold load
        return record
      },
    },
  })
  const warnings: Error[] = []
  const onWarning = (warning: Error) => warnings.push(warning)
  process.on('warning', onWarning)
  try {
    const source = client
    const connects = Array.from({ length: 20 }, () =>
      connectWithSecret({
        source,
        secretName: 'db/app',
        connect: async (creds) => creds.username,
        isAuthFailure: () => false,
      }),
    )
    await new Promise((resolve) => setImmediate(resolve))
    release()
    const results = await Promise.all(connects)
    expect(results.map((r) => r.connection)).toEqual(Array(20).fill('app'))
    expect(fetches).toBe(1)
    // process.emitWarning reports on the next tick.
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setTimeout(resolve, 10))
  } finally {
    process.off('warning', onWarning)
  }
  expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([])
})
