import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type EmulatorFixture,
  type FixtureEngine,
  startEmulatorFixture,
} from '@org/driver-conformance'
import { describeWithServer, probeEmbeddedPostgres, probeMariaDb } from '@org/test-support'
import type { Knex } from 'knex'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { MySql2Client } from '../src/mysql2.js'
import { PgClient } from '../src/pg.js'
import { secretKnex } from './knex-adapter.js'

/**
 * `knex.migrate.latest()` and `knex.seed.run()` with the secret, through a rotation between the two
 * (the TDS test server has no tables: mssql migrations are not covered).
 */
const MIGRATION = `
exports.up = (knex) => knex.schema.createTable('orders', (t) => { t.increments('id'); t.string('item') })
exports.down = (knex) => knex.schema.dropTable('orders')
`
const SEED = `
exports.seed = async (knex) => { await knex('orders').del(); await knex('orders').insert([{ item: 'tea' }, { item: 'cake' }]) }
`

const servers: Array<[string, () => Promise<unknown>, FixtureEngine, typeof Knex.Client]> = [
  ['MariaDB at 127.0.0.1:3306', probeMariaDb, 'mariadb', MySql2Client],
  ['embedded PostgreSQL', probeEmbeddedPostgres, 'postgresql', PgClient],
]

for (const [server, probe, engine, Client] of servers) {
  await describeWithServer(server, probe, `knex migrations with a secret (${engine})`, () => {
    let fx: EmulatorFixture
    let root: string
    let directory: string
    let seeds: string
    beforeAll(async () => {
      fx = await startEmulatorFixture({ engine })
      // CommonJS files: knex loads migrations with require().
      root = mkdtempSync(join(tmpdir(), 'secret-knex-'))
      directory = join(root, 'migrations')
      seeds = join(root, 'seeds')
      mkdirSync(directory)
      mkdirSync(seeds)
      writeFileSync(join(directory, '20260101000000_orders.cjs'), MIGRATION)
      writeFileSync(join(seeds, 'orders.cjs'), SEED)
    })
    afterAll(async () => {
      await fx?.close()
      rmSync(root, { recursive: true, force: true })
    })

    it('migrate.latest() and seed.run() log in with the secret, across a rotation', async () => {
      const secret = await fx.createSecret('SingleUser')
      const db = secretKnex(
        Client,
        {
          secretName: secret.secretName,
          secretClient: await fx.newClient(),
          host: fx.host,
          port: fx.port,
          database: secret.database,
        },
        2,
      )
      try {
        const [batch, applied] = (await db.migrate.latest({
          directory,
          loadExtensions: ['.cjs'],
        })) as [number, string[]]
        expect(batch).toBe(1)
        expect(applied).toEqual(['20260101000000_orders.cjs'])
        // The password changes now; the pool's connections are dropped, so the seed needs a login.
        await fx.rotate(secret.secretName)
        await db.destroy()
        db.initialize()
        await db.seed.run({ directory: seeds, loadExtensions: ['.cjs'] })
        expect(await db('orders').orderBy('id').pluck('item')).toEqual(['tea', 'cake'])
        const [, pending] = (await db.migrate.list({ directory, loadExtensions: ['.cjs'] })) as [
          unknown,
          unknown[],
        ]
        expect(pending).toEqual([])
      } finally {
        await db.destroy()
      }
    })
  })
}
