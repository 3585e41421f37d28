// @org/secret-mysql: mysql2's promise pool; `secretName` replaces `user` and `password`.
import mysql from '@org/secret-mysql/promise'

const pool = mysql.createPool({
  secretName: process.env.SECRET_NAME ?? 'db/app',
  host: process.env.DB_HOST ?? '127.0.0.1',
  port: Number(process.env.DB_PORT ?? 3306),
  database: process.env.DB_NAME,
  connectionLimit: 4,
})

const rounds = Number(process.env.EXAMPLE_ROUNDS ?? 5)
for (let round = 1; round <= rounds; round++) {
  const [rows] = await pool.query<mysql.RowDataPacket[]>('SELECT CURRENT_USER() AS who')
  console.log(`round ${round}: queried as ${rows[0]?.who}`)
  await new Promise((resolve) => setTimeout(resolve, 500))
}
await pool.end()
