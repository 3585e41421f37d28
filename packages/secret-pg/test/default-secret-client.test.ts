import {
  clearKmsEnvironment,
  saveKmsEnvironment,
  useEmulatorEnvironment,
} from '@org/driver-conformance'
import { probeEmbeddedPostgres, requireServer } from '@org/test-support'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, closeDefaultSecretClient, Pool } from '../src/index.js'
import { type PgFixture, startPgFixture } from './_pg-fixture.js'

const available = await requireServer('embedded PostgreSQL', probeEmbeddedPostgres)

describe.skipIf(!available)('the process-wide default secret client', () => {
  let fx: PgFixture
  let restore: () => void
  beforeAll(async () => {
    fx = await startPgFixture()
    restore = saveKmsEnvironment()
  })
  afterAll(async () => {
    restore?.()
    await closeDefaultSecretClient()
    await fx?.close()
  })

  it('without KMS settings in the environment, connect() rejects with INVALID_CONFIG', async () => {
    clearKmsEnvironment()
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
    useEmulatorEnvironment(fx.emulator)
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
