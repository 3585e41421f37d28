import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConformanceQueryable } from './driver-adapter.js'
import {
  type EmulatorFixture,
  type FixtureEngine,
  startEmulatorFixture,
} from './emulator-fixture.js'
import {
  clearKmsEnvironment,
  saveKmsEnvironment,
  useEmulatorEnvironment,
} from './kms-environment.js'

/** Where a driver connects, without a `secretClient`: the default one is used. */
export interface DefaultClientOptions {
  secretName: string
  host: string
  port: number
  database?: string
}

/** A driver package's factories, called without `secretClient`. */
export interface DefaultClientAdapter {
  name: string
  engine: FixtureEngine
  connect(options: DefaultClientOptions): Promise<ConformanceQueryable>
  createPool(options: DefaultClientOptions & { max: number }): ConformanceQueryable
  /** The package's re-export of `closeDefaultSecretClient`. */
  closeDefaultSecretClient(): Promise<void>
}

/**
 * The process-wide default secret client as every driver package uses it: without KMS settings
 * in the environment the first login fails with `INVALID_CONFIG`; with them, it is built on first
 * use and shared by every pool and connection (one read for both).
 */
export function runDefaultClientConformance(adapter: DefaultClientAdapter): void {
  describe(`${adapter.name}: the default secret client`, () => {
    let fx: EmulatorFixture
    let restore: () => void
    beforeAll(async () => {
      fx = await startEmulatorFixture({ engine: adapter.engine })
      restore = saveKmsEnvironment()
    })
    afterAll(async () => {
      restore?.()
      await adapter.closeDefaultSecretClient()
      await fx?.close()
    })

    it('without KMS settings in the environment, the first login fails with INVALID_CONFIG', async () => {
      clearKmsEnvironment()
      const pool = adapter.createPool({
        secretName: 'db/none',
        host: fx.host,
        port: fx.port,
        max: 1,
      })
      await expect(pool.query('SELECT 1')).rejects.toMatchObject({
        name: 'SecretClientError',
        code: 'INVALID_CONFIG',
      })
      await pool.end()
      await expect(
        adapter.connect({ secretName: 'db/none', host: fx.host, port: fx.port }),
      ).rejects.toMatchObject({ name: 'SecretClientError', code: 'INVALID_CONFIG' })
      await adapter.closeDefaultSecretClient()
    })

    it('is built from the environment on first use and shared by every pool and connection', async () => {
      const secret = await fx.createSecret()
      useEmulatorEnvironment(fx.emulator)
      const before = fx.getSecretValueCalls()
      const where = {
        secretName: secret.secretName,
        host: fx.host,
        port: fx.port,
        database: secret.database,
      }
      const pool = adapter.createPool({ ...where, max: 2 })
      const connection = await adapter.connect(where)
      const users = [
        ...(await pool.query('SELECT CURRENT_USER AS me')),
        ...(await connection.query('SELECT CURRENT_USER AS me')),
      ].map((row) => String(row.me))
      expect(users).toHaveLength(2)
      for (const user of users) expect(user).toMatch(new RegExp(`^${secret.account}(@|$)`))
      // One cache for both: one read.
      expect(fx.getSecretValueCalls() - before).toBe(1)
      await connection.end()
      await pool.end()
    })
  })
}
