import type { ConformanceConnectOptions, DriverAdapter } from '@org/driver-conformance'
import knex, { type Knex } from 'knex'
import { secretConnection } from '../src/index.js'

type Rows = Array<Record<string, unknown>>

/** `db.raw()`'s result as rows: mysql2 gives `[rows, fields]`, pg a result, mssql the rows. */
export function rowsOf(result: unknown): Rows {
  if (Array.isArray(result) && Array.isArray(result[0])) return result[0] as Rows
  if (Array.isArray(result)) return result as Rows
  return ((result as { rows?: Rows }).rows ?? []) as Rows
}

/** A knex instance on a secret through `Client`, with at most `max` pooled connections. */
export function secretKnex(
  Client: typeof Knex.Client,
  options: ConformanceConnectOptions,
  max: number,
): Knex {
  return knex({
    client: Client,
    connection: secretConnection(options),
    pool: { min: 0, max },
    acquireConnectionTimeout: 60_000,
  })
}

/** The conformance suite's adapter for knex through a rotation-aware client. */
export function knexAdapter(
  name: string,
  engine: DriverAdapter['engine'],
  Client: typeof Knex.Client,
  isAuthFailure: (error: unknown) => boolean,
): DriverAdapter {
  const queryable = (db: Knex) => ({
    query: async (sql: string) => rowsOf(await db.raw(sql)),
    end: () => db.destroy(),
  })
  return {
    name,
    engine,
    isAuthFailure,
    async connect(options) {
      // One connection: a pool of one, opened now.
      const db = secretKnex(Client, options, 1)
      try {
        await db.raw('SELECT 1')
      } catch (error) {
        await db.destroy()
        throw error
      }
      return queryable(db)
    },
    createPool: ({ max, ...options }) => queryable(secretKnex(Client, options, max)),
  }
}
