// @org/secret-knex: one knex config change; the connection comes from the secret.
import { MySql2Client, secretConnection } from '@org/secret-knex/mysql2'
import knex from 'knex'

const db = knex({
  client: MySql2Client, // was: 'mysql2'
  connection: secretConnection({
    secretName: process.env.SECRET_NAME ?? 'db/app',
    host: process.env.DB_HOST ?? '127.0.0.1',
    port: Number(process.env.DB_PORT ?? 3306),
    database: process.env.DB_NAME,
  }),
  pool: { min: 0, max: 4 },
})

const rounds = Number(process.env.EXAMPLE_ROUNDS ?? 5)
for (let round = 1; round <= rounds; round++) {
  const [rows] = await db.raw('SELECT CURRENT_USER() AS who')
  console.log(`round ${round}: queried as ${rows[0]?.who}`)
  await new Promise((resolve) => setTimeout(resolve, 500))
}
await db.destroy()
