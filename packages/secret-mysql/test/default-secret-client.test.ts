import { type EmulatorFixture, startEmulatorFixture } from '@org/driver-conformance'
import { describeWithServer, probeMariaDb } from '@org/test-support'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { closeDefaultSecretClient, createConnection, createPool } from '../src/promise.js'

const KEYS = [
  'cache_client_region_id',
  'credentials_type',
  'credentials_access_key_id',
  'credentials_access_secret',
  'ALIBABA_CLOUD_REGION_ID',
] as const

await describeWithServer('MariaDB at 127.0.0.1:3306', probeMariaDb, 'default secret client', () => {
  let fx: EmulatorFixture
  const saved = new Map<string, string | undefined>()
  beforeAll(async () => {
    fx = await startEmulatorFixture({ engine: 'mariadb' })
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

  it('without KMS settings in the environment, the first login fails with INVALID_CONFIG', async () => {
    for (const key of KEYS) delete process.env[key]
    // Creating a pool reads nothing: the default client is created on first use.
    const pool = createPool({ secretName: 'db/none', host: fx.host, port: fx.port })
    await expect(pool.query('SELECT 1')).rejects.toMatchObject({
      name: 'SecretClientError',
      code: 'INVALID_CONFIG',
    })
    await pool.end()
    await closeDefaultSecretClient()
  })

  it('is built from the environment on first use and shared by every pool and connection', async () => {
    const secret = await fx.createSecret()
    process.env.cache_client_region_id = JSON.stringify([
      { regionId: fx.emulator.regionId, endpoint: fx.emulator.endpoint },
    ])
    process.env.credentials_type = 'ak'
    process.env.credentials_access_key_id = fx.emulator.accessKeyId
    process.env.credentials_access_secret = fx.emulator.accessKeySecret
    const before = fx.getSecretValueCalls()
    const where = {
      secretName: secret.secretName,
      host: fx.host,
      port: fx.port,
      database: secret.database,
    }
    const pool = createPool({ ...where, connectionLimit: 2 })
    const connection = await createConnection(where)
    const [fromPool] = await pool.query('SELECT CURRENT_USER() AS me')
    const [fromConnection] = await connection.query('SELECT CURRENT_USER() AS me')
    for (const rows of [fromPool, fromConnection]) {
      expect(String((rows as Array<{ me: string }>)[0]?.me)).toMatch(
        new RegExp(`^${secret.account}@`),
      )
    }
    // One cache for both: one read.
    expect(fx.getSecretValueCalls() - before).toBe(1)
    await connection.end()
    await pool.end()
  })
})
