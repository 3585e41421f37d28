import {
  type EmulatorFixture,
  type FixtureEngine,
  type FixtureSecret,
  startEmulatorFixture,
} from '@org/driver-conformance'
import { describeWithServer, probeEmbeddedPostgres, probeMariaDb } from '@org/test-support'
import type { Knex } from 'knex'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MsSqlClient } from '../src/mssql.js'
import { MySql2Client } from '../src/mysql2.js'
import { PgClient } from '../src/pg.js'
import { rowsOf, secretKnex } from './knex-adapter.js'

const WORKERS = 20
const DUAL_MS = 15_000
const SINGLE_MS = 5_000
const ROTATE_EVERY_MS = 1_000

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The account a session runs as, without the `@host` MariaDB adds. */
const accountOf = (row: Record<string, unknown> | undefined) => String(row?.me).split('@')[0] ?? ''

interface Load {
  queries: number
  transactions: number
  failures: string[]
}

/**
 * `WORKERS` workers alternating a query and a transaction (a query inside, committed) on `db`
 * until `stop()`; a failure of either is recorded, never retried.
 */
function workload(db: Knex) {
  const load: Load = { queries: 0, transactions: 0, failures: [] }
  let running = true
  const worker = async (index: number) => {
    for (let i = index; running; i++) {
      try {
        if (i % 2 === 0) {
          await db.raw('SELECT 1 AS one')
          load.queries += 1
        } else {
          await db.transaction(async (trx) => {
            await trx.raw('SELECT 1 AS one')
          })
          load.transactions += 1
        }
      } catch (error) {
        if (load.failures.length < 5) load.failures.push(String((error as Error).message))
        else load.failures.push('…')
      }
    }
  }
  const workers = Array.from({ length: WORKERS }, (_, index) => worker(index))
  return {
    load,
    async stop() {
      running = false
      await Promise.all(workers)
    },
  }
}

/** Rotates `secret` every `ROTATE_EVERY_MS` for `ms`; resolves the number of rotations. */
async function rotateFor(fx: EmulatorFixture, secret: FixtureSecret, ms: number): Promise<number> {
  let rotations = 0
  const until = Date.now() + ms
  while (Date.now() < until) {
    await sleep(ROTATE_EVERY_MS)
    await fx.rotate(secret.secretName)
    rotations += 1
  }
  return rotations
}

const dialects: Array<{
  name: string
  engine: FixtureEngine
  Client: typeof Knex.Client
  /** The server's name and probe (the TDS test server runs in-process: none). */
  server?: [string, () => Promise<unknown>]
  /** A query returning the session's id as `id`. */
  sessionId: string
}> = [
  {
    name: 'mysql2 on MariaDB',
    engine: 'mariadb',
    Client: MySql2Client,
    server: ['MariaDB at 127.0.0.1:3306', probeMariaDb],
    sessionId: 'SELECT CONNECTION_ID() AS id',
  },
  {
    name: 'pg on PostgreSQL',
    engine: 'postgresql',
    Client: PgClient,
    server: ['embedded PostgreSQL', probeEmbeddedPostgres],
    sessionId: 'SELECT pg_backend_pid() AS id',
  },
  {
    name: 'mssql on the TDS test server',
    engine: 'sqlserver',
    Client: MsSqlClient,
    sessionId: 'SELECT @@SPID AS id',
  },
]

for (const { name, engine, Client, server, sessionId } of dialects) {
  const title = `knex ${name}: queries and transactions through rotations`
  const suite = (body: () => void) =>
    server ? describeWithServer(server[0], server[1], title, body) : describe(title, body)
  await suite(() => {
    let fx: EmulatorFixture
    beforeAll(async () => {
      fx = await startEmulatorFixture({ engine })
    })
    afterAll(() => fx?.close())

    it(`${WORKERS} workers, DoubleUsers every second then SingleUser: 0 failed, old connections retired`, {
      timeout: 90_000,
    }, async () => {
      // Dual-account.
      const dual = await fx.createSecret('DoubleUsers')
      const secretClient = await fx.newClient()
      const where = {
        host: fx.host,
        port: fx.port,
        database: dual.database,
        secretClient,
      }
      const db = secretKnex(Client, { ...where, secretName: dual.secretName }, 10)
      try {
        const running = workload(db)
        const rotations = await rotateFor(fx, dual, DUAL_MS)
        await running.stop()
        expect(running.load.failures).toEqual([])
        expect(rotations).toBeGreaterThanOrEqual(DUAL_MS / ROTATE_EVERY_MS / 2)
        expect(running.load.transactions).toBeGreaterThan(0)

        // One more rotation, seen by the client: every connection handed out from now on was
        // opened after it, as the new account — the idle ones of older versions are retired, not
        // reused. Ten transactions held at once take ten pooled connections.
        // Taken one after the other (knex validates each at checkout), all held until the end.
        const sessions = async () => {
          const held: Knex.Transaction[] = []
          const seen: Array<{ id: string; account: string }> = []
          try {
            for (let i = 0; i < 10; i++) {
              const trx = await db.transaction()
              held.push(trx)
              const [row] = rowsOf(await trx.raw(`${sessionId}, CURRENT_USER AS me`))
              seen.push({ id: String(row?.id), account: accountOf(row) })
            }
          } finally {
            for (const trx of held) await trx.commit()
          }
          return seen
        }
        const before = await sessions()
        await fx.rotate(dual.secretName)
        await secretClient.refreshNow(dual.secretName)
        const { username } = await secretClient.getDatabaseCredentials(dual.secretName)
        const after = await sessions()
        expect(new Set(after.map((s) => s.account))).toEqual(new Set([username]))
        const reused = after.filter((s) => before.some((b) => b.id === s.id))
        expect(reused).toEqual([])
      } finally {
        await db.destroy()
      }

      // Single-account: the database's password changes first, the secret's refresh follows the
      // rejected login.
      const single = await fx.createSecret('SingleUser')
      const singleDb = secretKnex(
        Client,
        { ...where, database: single.database, secretName: single.secretName },
        10,
      )
      try {
        const running = workload(singleDb)
        await rotateFor(fx, single, SINGLE_MS)
        await running.stop()
        expect(running.load.failures).toEqual([])
        expect(running.load.queries).toBeGreaterThan(0)
      } finally {
        await singleDb.destroy()
      }
    })
  })
}
