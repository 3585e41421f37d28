// @org/secret-pg: pg's Pool; `secretName` replaces `user` and `password`.
import pg from '@org/secret-pg'

const pool = new pg.Pool({
  secretName: process.env.SECRET_NAME ?? 'db/app',
  host: process.env.DB_HOST ?? '127.0.0.1',
  port: Number(process.env.DB_PORT ?? 5432),
  database: process.env.DB_NAME,
  max: 4,
})
// As pg documents for every pool: an idle client the server closes is reported here.
pool.on('error', (err) => console.error('idle client error:', err.message))

const rounds = Number(process.env.EXAMPLE_ROUNDS ?? 5)
for (let round = 1; round <= rounds; round++) {
  const result: pg.QueryResult<{ who: string }> = await pool.query('SELECT current_user AS who')
  console.log(`round ${round}: queried as ${result.rows[0]?.who}`)
  await new Promise((resolve) => setTimeout(resolve, 500))
}
await pool.end()
