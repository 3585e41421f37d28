import { probeEmbeddedPostgres, requireServer } from '@org/test-support'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, closeDefaultSecretClient, Pool } from '../src/index.js'
import { type PgFixture, startPgFixture } from './_pg-fixture.js'

const available = await requireServer('embedded PostgreSQL', probeEmbeddedPostgres)

const KEYS = [
  'cache_client_region_id',
  'credentials_type',
  'credentials_access_key_id',
  'credentials_access_secret',
] as const

describe.skipIf(!available)('the process-wide default secret client', () => {
  let fx: PgFixture
  const saved = new Map<string, string | undefined>()
  beforeAll(async () => {
    fx = await startPgFixture()
    for (const key of KEYS) saved.set(key, process.env[key])
  })
  afterAll(async () => {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
    await closeDefaultSecretClient()
    await fx?.close()
  })

  it('without KMS settings in the environment, connect() rejects with INVALID_CONFIG', async () => {
    for (const key of KEYS) delete process.env[key]
    delete process.env.ALIBABA_CLOUD_REGION_ID
    // Constructing is fine: the default client is created on first use.
    const client = new Client({ secretName: 'db/none', host: fx.server.host })
    await expect(client.connect()).rejects.toMatchObject({
      name: 'SecretClientError',
      code: 'INVALID_CONFIG',
    })
    // As after a connect pg failed at its socket, end() resolves (with pg 8.7.3 too, once the
    // kit's DeferredSocket reports a 'close' while waiting as a connecting socket does: see
    // drop-in.test.ts o).
    let ended = false
    const ending = client.end().then(() => {
      ended = true
    })
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    expect(ended).toBe(true)
    await ending
  })

  it('is built from the environment on first use and shared', async () => {
    const { secretName, role, database } = await fx.createRdsSecret()
    process.env.cache_client_region_id = JSON.stringify([
      { regionId: fx.emulator.regionId, endpoint: fx.emulator.endpoint },
    ])
    process.env.credentials_type = 'ak'
    process.env.credentials_access_key_id = fx.emulator.accessKeyId
    process.env.credentials_access_secret = fx.emulator.accessKeySecret
    const before = fx.getSecretValueCalls()
    const where = { secretName, host: fx.server.host, port: fx.server.port, database }
    const pool = new Pool({ ...where, max: 2 })
    const client = new Client(where)
    await client.connect()
    expect((await pool.query('SELECT current_user AS who')).rows).toEqual([{ who: role }])
    expect((await client.query('SELECT current_user AS who')).rows).toEqual([{ who: role }])
    // One cache for both: one read.
    expect(fx.getSecretValueCalls() - before).toBe(1)
    await client.end()
    await pool.end()
  })
})
