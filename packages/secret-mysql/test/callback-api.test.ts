import { SecretCacheClient } from '@org/secret-client'
import { describeWithServer, probeMariaDb } from '@org/test-support'
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import mysql, {
  type Connection,
  createConnection,
  createPool,
  createPoolCluster,
  type QueryError,
  type RowDataPacket,
} from '../src/index.js'
import { type RotatingAccount, rotatingAccount } from './helpers/rotating-account.js'

let acct: RotatingAccount

const query = (connection: Pick<Connection, 'query'>, sql: string) =>
  new Promise<RowDataPacket[]>((resolve, reject) => {
    connection.query<RowDataPacket[]>(sql, (err, rows) => (err ? reject(err) : resolve(rows)))
  })

const end = (connection: Connection) =>
  new Promise<void>((resolve, reject) => connection.end((err) => (err ? reject(err) : resolve())))

await describeWithServer('MariaDB at 127.0.0.1:3306', probeMariaDb, 'callback API', () => {
  beforeEach(async () => {
    acct = await rotatingAccount('cb')
  })
  afterEach(() => acct.cleanup())

  it('createConnection returns at once; commands queued before login run in order', async () => {
    const connection = createConnection(acct.options())
    expect(connection).toBeInstanceOf(mysql.Connection)
    const connected = new Promise<void>((resolve) => connection.once('connect', () => resolve()))
    const first = query(connection, 'SELECT 1 AS n')
    const second = query(connection, 'SELECT 2 AS n')
    const streamed: unknown[] = []
    const stream = connection.query('SELECT 3 AS n')
    const streamEnded = new Promise<void>((resolve) => {
      stream.on('result', (row) => streamed.push(row)).on('end', () => resolve())
    })
    expect((await first)[0]?.n).toBe(1)
    expect((await second)[0]?.n).toBe(2)
    await streamEnded
    expect(streamed).toEqual([{ n: 3 }])
    await connected
    // Once logged in, every property is the real connection's.
    expect(connection.threadId).toBeGreaterThan(0)
    expect(connection.escape("it's")).toBe("'it\\'s'")
    await end(connection)
  })

  it('logs in through a rotation the client has not seen yet', async () => {
    await acct.client.getSecretInfo(acct.secretName)
    await acct.rotate()
    const connection = createConnection(acct.options())
    expect((await query(connection, 'SELECT 1 AS n'))[0]?.n).toBe(1)
    await end(connection)
  })

  it('promise() on it works like mysql2', async () => {
    const connection = createConnection(acct.options()).promise()
    const [rows] = await connection.query<RowDataPacket[]>('SELECT 4 AS n')
    expect(rows[0]?.n).toBe(4)
    await connection.end()
  })

  it('a secret wrong for good fails queued commands and emits error when none wait', async () => {
    await acct.maria.query("ALTER USER ?@'%' IDENTIFIED BY 'elsewhere'", [acct.account])
    const retry = { maxAttempts: 2, maxTimeMs: 1000, baseDelayMs: 1, maxDelayMs: 5 }
    const connection = createConnection({ ...acct.options(), rotationRetry: retry })
    const failure = await query(connection, 'SELECT 1').catch((err: QueryError) => err)
    expect(failure).toMatchObject({ code: 'AUTH_RETRY_EXHAUSTED', name: 'AuthRetryExhaustedError' })
    expect(String((failure as Error).message)).not.toContain(acct.password())
    // Later commands get the same error.
    await expect(query(connection, 'SELECT 1')).rejects.toMatchObject({
      code: 'AUTH_RETRY_EXHAUSTED',
    })
    await end(connection) // nothing to close: resolves

    const idle = createConnection({ ...acct.options(), rotationRetry: retry })
    const emitted = await new Promise<unknown>((resolve) => idle.on('error', resolve))
    expect(emitted).toMatchObject({ code: 'AUTH_RETRY_EXHAUSTED' })
  })

  it('destroy() before login abandons it', async () => {
    const connection = createConnection(acct.options())
    connection.destroy()
    await new Promise((resolve) => setTimeout(resolve, 200))
    const rows = (await acct.maria.query(
      'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ?',
      [acct.account],
    )) as Array<{ n: number }>
    expect(Number(rows[0]?.n)).toBe(0)
  })

  it('callback createPool and the pool cluster authenticate through the secret', async () => {
    const pool = createPool({ ...acct.options(), connectionLimit: 2 })
    expect((await query(pool, 'SELECT 5 AS n'))[0]?.n).toBe(5)
    await new Promise<void>((resolve, reject) => pool.end((err) => (err ? reject(err) : resolve())))

    const cluster = createPoolCluster()
    cluster.add('primary', { ...acct.options(), connectionLimit: 1 })
    cluster.add({ ...acct.options(), connectionLimit: 1 })
    await acct.rotate() // both nodes' first logins meet the rotation
    const viaNode = await new Promise<RowDataPacket[]>((resolve, reject) =>
      cluster
        .of('primary')
        .query('SELECT 6 AS n', (err, rows) =>
          err ? reject(err) : resolve(rows as RowDataPacket[]),
        ),
    )
    expect(viaNode[0]?.n).toBe(6)
    const viaAny = await new Promise<RowDataPacket[]>((resolve, reject) =>
      cluster
        .of('CLUSTER::*')
        .query('SELECT 7 AS n', (err, rows) =>
          err ? reject(err) : resolve(rows as RowDataPacket[]),
        ),
    )
    expect(viaAny[0]?.n).toBe(7)
    await new Promise<void>((resolve, reject) =>
      cluster.end((err) => (err ? reject(err) : resolve())),
    )
  })

  it('listeners added before login move to the connection: removeListener after login works', async () => {
    const connection = createConnection(acct.options())
    const removed = vi.fn()
    const kept = vi.fn()
    connection.on('error', removed).on('error', kept)
    await new Promise<void>((resolve) => connection.once('connect', () => resolve()))
    connection.removeListener('error', removed)
    connection.emit('error', new Error('first'))
    expect(removed).not.toHaveBeenCalled()
    expect(kept).toHaveBeenCalledTimes(1)
    expect(connection.listenerCount('error')).toBe(1)
    await end(connection)
  })

  it("a once('error') listener added before login fires once; a second error goes to later listeners", async () => {
    const connection = createConnection(acct.options())
    const early = vi.fn()
    connection.once('error', early)
    await new Promise<void>((resolve) => connection.once('connect', () => resolve()))
    const late = vi.fn()
    connection.on('error', late)
    expect(() => connection.emit('error', new Error('first'))).not.toThrow()
    expect(() => connection.emit('error', new Error('second'))).not.toThrow()
    expect(early).toHaveBeenCalledTimes(1)
    expect(late).toHaveBeenCalledTimes(2)
    // And a server kill reaches the listener without crashing the process.
    const killed = new Promise<unknown>((resolve) => connection.on('error', resolve))
    await acct.maria.query(`KILL ${connection.threadId}`)
    expect(await killed).toMatchObject({ fatal: true })
    connection.destroy()
  })

  it('a uri counts as a given host, port and database: the secret does not override them', async () => {
    // The secret names a host/port/database where nothing listens.
    const client = new SecretCacheClient({
      fetcher: {
        fetchSecret: async () => ({
          secretName: 'db/uri',
          versionId: 'v1',
          secretValue: JSON.stringify({
            username: acct.account,
            password: acct.password(),
            host: '127.0.0.1',
            port: 1,
            database: 'nowhere',
          }),
        }),
      },
    })
    try {
      const uri = `mysql://${acct.maria.host}:${acct.maria.port}/${acct.database}`
      const connection = createConnection({ secretName: 'db/uri', secretClient: client, uri })
      const rows = await query(connection, 'SELECT DATABASE() AS db')
      expect(rows[0]?.db).toBe(acct.database)
      await end(connection)
    } finally {
      await client.close()
    }
  })
})
