/**
 * Type-level drop-in check, never run (vitest runs `*.test.ts` only; `tsc -p tsconfig.json`
 * checks it): code written the way pg's README and docs (node-postgres.com) write it, with
 * `import pg from 'pg'` swapped for this package and `secretName` instead of `user`/`password`,
 * type-checks unchanged — and interoperates with code typed against the real `pg`.
 */
import realPg from 'pg'
import pg, {
  Client,
  type ClientBase,
  DatabaseError,
  Pool,
  type PoolClient,
  type PoolConfig,
  type QueryResult,
  types,
} from '../../src/index.js'

const secretName = 'prod/app-db'
const host = 'db.internal'

// --- Through the default export, as `import pg from 'pg'` code does ------------------------------

/** Code typed against the real pg, e.g. in a library: ours must be accepted. */
function countWith(client: realPg.Client): Promise<realPg.QueryResult<{ n: number }>> {
  return client.query<{ n: number }>('SELECT 1 AS n')
}
async function checkoutFrom(pool: realPg.Pool): Promise<realPg.PoolClient> {
  return pool.connect()
}
function queryWith(client: realPg.ClientBase): Promise<realPg.QueryResult> {
  return client.query('SELECT 1')
}

export async function pooling(): Promise<Date | undefined> {
  const pool = new pg.Pool({ secretName, host, max: 20, idleTimeoutMillis: 30000 })
  // "the pool will emit an error on behalf of any idle clients it contains"
  pool.on('error', (err: Error, client: pg.PoolClient) => {
    console.error('Unexpected error on idle client', err, client.escapeIdentifier('x'))
  })
  pool.on('connect', (client: pg.PoolClient) => {
    client.query('SET search_path TO app')
  })

  const res: pg.QueryResult<{ now: Date }> = await pool.query('SELECT NOW()')
  const now: Date | undefined = res.rows[0]?.now

  const client: pg.PoolClient = await pool.connect()
  try {
    await client.query('BEGIN')
    const { rows } = await client.query<{ id: number }>(
      'INSERT INTO users(name) VALUES($1) RETURNING id',
      ['brianc'],
    )
    const id: number | undefined = rows[0]?.id
    await client.query('INSERT INTO photos(user_id, url) VALUES ($1, $2)', [id, 's3.bucket.foo'])
    await client.query('COMMIT')
  } catch (err) {
    await client.query('ROLLBACK')
    throw err
  } finally {
    client.release()
  }

  // Callback style.
  pool.query('SELECT $1::text AS name', ['brianc'], (err: Error, result: pg.QueryResult) => {
    if (err) throw err
    console.log(result.rows[0]?.name)
  })
  pool.connect((err, pooled, done) => {
    if (err || pooled === undefined) throw err
    pooled.query('SELECT 1', () => done())
  })

  // Our Pool and its clients where the real pg's types are expected.
  const viaReal: realPg.PoolClient = await checkoutFrom(pool)
  viaReal.release()
  const pooledViaReal: realPg.Pool = pool
  console.log(pool.totalCount, pool.idleCount, pool.waitingCount, pooledViaReal.expiredCount)

  await pool.end()
  return now
}

export async function clients(): Promise<void> {
  const client = new pg.Client({ secretName, host, database: 'app', connectionTimeoutMillis: 5000 })
  const base: pg.ClientBase = client
  await client.connect()
  const res = await base.query<{ message: string }>('SELECT $1::text as message', ['Hello world!'])
  console.log(res.rows[0]?.message)
  client.on('notification', (msg: pg.Notification) => console.log(msg.channel, msg.payload))
  client.on('error', (err: Error) => console.error('something bad has happened!', err.stack))
  client.on('end', () => console.log('ended'))
  await countWith(client)
  await queryWith(client)
  const asReal: realPg.Client = new pg.Client({ secretName })
  await queryWith(asReal)

  const config: pg.QueryConfig<[number]> = { text: 'SELECT $1::int AS n', values: [1] }
  await client.query(config)
  const arrays: pg.QueryArrayResult<[number]> = await client.query<[number]>({
    text: 'SELECT 1',
    rowMode: 'array',
  })
  console.log(arrays.rows[0]?.[0], pg.escapeIdentifier('a"b'), pg.escapeLiteral("it's"))

  // Callback style.
  const other = new pg.Client({ secretName })
  other.connect((err: Error) => {
    if (err) console.error('connection error', err.stack)
    other.query('SELECT NOW()', (error: Error, result: pg.QueryResult) => {
      console.log(error ?? result.rows)
      other.end()
    })
  })

  try {
    await client.query('SELECT 1/0')
  } catch (err) {
    if (err instanceof pg.DatabaseError) {
      const code: string | undefined = err.code
      console.log(code, err.severity, err.detail)
    }
    if (err instanceof realPg.DatabaseError) console.log(err.constraint)
  }
  await client.end()
}

export function typesAndDefaults(): void {
  pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number.parseInt(value, 10))
  pg.types.setTypeParser(1700, (value: string) => Number.parseFloat(value))
  const parse: (value: string) => unknown = pg.types.getTypeParser(pg.types.builtins.DATE)
  console.log(parse, pg.defaults.poolSize)
}

export function config(): void {
  const poolConfig: pg.PoolConfig = { host, port: 5432, max: 20, idleTimeoutMillis: 30000 }
  const pool = new pg.Pool({ ...poolConfig, secretName })
  const clientConfig: pg.ClientConfig = { host, database: 'app', statement_timeout: 1000 }
  const client = new pg.Client({ ...clientConfig, secretName })
  console.log(pool, client)

  // @ts-expect-error the secret provides the user
  new pg.Pool({ secretName, host, user: 'app' })
  // @ts-expect-error the secret provides the password
  new pg.Client({ secretName, host, password: 'hunter2' })
  // @ts-expect-error a secretName is required
  new pg.Client({ host })
}

// --- Through named imports ----------------------------------------------------------------------

export async function named(): Promise<number> {
  const options: PoolConfig = { host, max: 20 }
  const pool = new Pool({ ...options, secretName })
  const res: QueryResult<{ one: number }> = await pool.query('SELECT 1 AS one')
  const client: PoolClient = await pool.connect()
  client.release()
  const single: ClientBase = new Client({ secretName, host })
  await countWith(new Client({ secretName }))
  await checkoutFrom(pool).then((c) => c.release())
  types.setTypeParser(types.builtins.NUMERIC, Number.parseFloat)
  try {
    await single.query('SELECT 1')
  } catch (err) {
    if (err instanceof DatabaseError) console.log(err.code)
  }
  await pool.end()
  // @ts-expect-error the secret provides the user
  new Pool({ secretName, user: 'app' })
  // @ts-expect-error the secret provides the user
  new Client({ secretName, user: 'app' })
  return res.rows[0]?.one ?? 0
}
