import { inspect } from 'node:util'
import { type EmulatorFixture, startEmulatorFixture } from '@org/driver-conformance'
import { SecretCacheClient } from '@org/secret-client'
import { describeWithServer, printedPart, probeMariaDb } from '@org/test-support'
import knex from 'knex'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { secretConnection } from '../src/index.js'
import { rowsOf } from './knex-adapter.js'

// A client that is never asked: every case fails before reading the secret.
const idle = new SecretCacheClient({
  fetcher: { fetchSecret: () => Promise.reject(new Error('the secret must not be read')) },
})

describe('secretConnection options', () => {
  it('refuses credentials next to secretName and bad secret options, synchronously', () => {
    const base = { secretName: 'db/app', secretClient: idle, host: 'h' }
    for (const key of ['user', 'password', 'userName', 'connectionString']) {
      expect(() => secretConnection({ ...base, [key]: 'x' } as never)).toThrow(
        expect.objectContaining({
          code: 'INVALID_CONFIG',
          message: `"${key}" cannot be combined with secretName: the secret provides the credentials`,
        }),
      )
    }
    expect(() => secretConnection({ ...base, secretName: '' })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    )
    expect(() => secretConnection({ ...base, rotationRetry: { maxTimeMs: -1 } })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    )
  })
})

let fx: EmulatorFixture

await describeWithServer(
  'MariaDB at 127.0.0.1:3306',
  probeMariaDb,
  'secretConnection with knex’s own client',
  () => {
    beforeAll(async () => {
      fx = await startEmulatorFixture({ engine: 'mariadb' })
    })
    afterAll(() => fx?.close())

    it("client 'mysql2': each new connection logs in with the secret's current account", async () => {
      const secret = await fx.createSecret('DoubleUsers')
      const secretClient = await fx.newClient()
      const db = knex({
        client: 'mysql2',
        connection: secretConnection({
          secretName: secret.secretName,
          secretClient,
          host: fx.host,
          port: fx.port,
          database: secret.database,
        }),
        pool: { min: 0, max: 1 },
      })
      const me = async () =>
        String(rowsOf(await db.raw('SELECT CURRENT_USER() AS me'))[0]?.me).split('@')[0]
      try {
        expect(await me()).toBe(secret.account)
        // The password read for knex's own client is in its connection settings, never shown.
        const { password } = await secretClient.getDatabaseCredentials(secret.secretName)
        expect(inspect(db.client, { depth: 4 })).not.toContain(printedPart(password))
        expect(JSON.stringify(Object.keys(db.client.connectionSettings))).not.toContain('password')
        // A dual-account rotation the client has read: the options expire (knex asks the provider
        // again), and the next connection runs as the clone.
        await fx.rotate(secret.secretName)
        await secretClient.refreshNow(secret.secretName)
        await db.destroy()
        db.initialize()
        expect(await me()).toBe(`${secret.account}_clone`)
      } finally {
        await db.destroy()
      }
    })
  },
)
