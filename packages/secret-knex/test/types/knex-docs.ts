/**
 * Code written the way knex's documentation writes it (a config, a knexfile, queries and
 * transactions), with the secret in place of user/password. Only type-checked, never run: it
 * proves that `Knex.Config` takes the clients and `secretConnection()` with no cast.
 */

import knex, { type Knex } from 'knex'
import { MsSqlClient } from '../../src/mssql.js'
import { MySql2Client, secretConnection } from '../../src/mysql2.js'
import { PgClient } from '../../src/pg.js'

const config: Knex.Config = {
  client: MySql2Client,
  connection: secretConnection({
    secretName: 'prod/orders-db',
    host: 'rm-xxxx.mysql.rds.aliyuncs.com',
    database: 'orders',
    rotationRetry: { maxTimeMs: 10_000 },
  }),
  pool: { min: 2, max: 10 },
  migrations: { tableName: 'knex_migrations' },
}

const db = knex(config)

interface Order {
  id: number
  item: string
}

export async function queries(): Promise<Order | undefined> {
  await db.transaction(async (trx) => {
    await trx<Order>('orders').insert({ item: 'tea' })
  })
  return db<Order>('orders').where('id', 1).first()
}

// A knexfile, one entry per environment and dialect.
export const knexfile: Record<string, Knex.Config> = {
  postgres: {
    client: PgClient,
    connection: secretConnection({ secretName: 'prod/pg', host: 'pg.internal', database: 'app' }),
  },
  sqlserver: {
    client: MsSqlClient,
    connection: secretConnection({
      secretName: 'prod/mssql',
      server: 'rm-xxxx.sqlserver.rds.aliyuncs.com',
      database: 'app',
      options: { encrypt: true },
    }),
  },
  // knex's own client: credentials from the secret through knex's hooks only.
  hooksOnly: {
    client: 'mysql2',
    connection: secretConnection({ secretName: 'prod/orders-db', host: 'db', database: 'orders' }),
  },
}
