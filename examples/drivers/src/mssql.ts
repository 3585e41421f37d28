// @org/secret-tedious/mssql: node-mssql's ConnectionPool; `secretName` replaces `user` and `password`.
import { ConnectionPool } from '@org/secret-tedious/mssql'

const pool = await new ConnectionPool({
  server: process.env.DB_HOST ?? '127.0.0.1',
  port: Number(process.env.DB_PORT ?? 1433),
  database: process.env.DB_NAME,
  secretName: process.env.SECRET_NAME ?? 'db/app',
  pool: { max: 4 },
}).connect()

const rounds = Number(process.env.EXAMPLE_ROUNDS ?? 5)
for (let round = 1; round <= rounds; round++) {
  const result = await pool.request().query<{ who: string }>('SELECT SUSER_SNAME() AS who')
  console.log(`round ${round}: queried as ${result.recordset[0]?.who}`)
  await new Promise((resolve) => setTimeout(resolve, 500))
}
await pool.close()
