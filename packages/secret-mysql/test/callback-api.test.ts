import { SecretCacheClient } from '@org/secret-client'
import {
  describeWithServer,
  probeMariaDb,
  type RotatingAccount,
  randomPassword,
  rotatingAccount,
} from '@org/test-support'
import mysql2 from 'mysql2'
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import mysql, {
  AuthRetryExhaustedError,
  type Connection,
  createConnection,
  createPool,
  createPoolCluster,
  isSecretClientError,
  type QueryError,
  type RowDataPacket,
} from '../src/index.js'

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

  it("a secret wrong for good: mysql2's own failed-login flow (queued, later, end(cb), 'error'), marked", async () => {
    // Raw mysql2 with a wrong password is the reference.
    const account = acct.maria.uniqueUser('cbraw')
    await acct.maria.query("CREATE USER ?@'%' IDENTIFIED BY ?", [account, randomPassword()])
    await acct.maria.query("ALTER USER ?@'%' IDENTIFIED BY 'elsewhere'", [acct.account])
    const retry = { maxAttempts: 2, maxTimeMs: 1000, baseDelayMs: 1, maxDelayMs: 5 }
    const sides = {
      mysql2: () =>
        mysql2.createConnection({
          host: acct.maria.host,
          port: acct.maria.port,
          user: account,
          password: 'wrong',
        }),
      'secret-mysql': () => createConnection({ ...acct.options(), rotationRetry: retry }),
    }
    const describe = (err: unknown) => {
      const { code, errno, sqlState } = err as QueryError
      const message = String((err as Error).message)
        .split(account)
        .join('<user>')
        .split(acct.account)
        .join('<user>')
      return `${(err as Error).constructor.name} ${code} ${errno} ${sqlState}: ${message}`
    }
    const traces: Record<string, string[]> = {}
    const ourErrors: unknown[] = []
    for (const [side, open] of Object.entries(sides)) {
      const trace: string[] = []
      const connection = open()
      connection.on('end', () => trace.push("'end'"))
      connection.on('error', (err) => trace.push(`'error' ${describe(err)}`))
      await query(connection, 'SELECT 1').catch((err: unknown) => {
        if (side === 'secret-mysql') ourErrors.push(err)
        trace.push(`queued: ${describe(err)}`)
      })
      // mysql2 leaves the failed handshake in place: a later command and end() are queued behind
      // it and never called back.
      let later = 'not called back'
      connection.query('SELECT 2', () => {
        later = 'called back'
      })
      let ended = 'not called back'
      connection.end(() => {
        ended = 'called back'
      })
      await new Promise((resolve) => setTimeout(resolve, 300))
      trace.push(`later command: ${later}`, `end(cb): ${ended}`)
      connection.destroy()

      // No command waiting: the error is emitted.
      const idle = open()
      const emitted = await new Promise<unknown>((resolve) => idle.once('error', resolve))
      if (side === 'secret-mysql') ourErrors.push(emitted)
      trace.push(`idle 'error': ${describe(emitted)}`)
      traces[side] = trace
    }
    expect(traces['secret-mysql']).toEqual(traces.mysql2)
    expect(traces.mysql2).toEqual(
      expect.arrayContaining([
        "queued: Error ER_ACCESS_DENIED_ERROR 1045 28000: Access denied for user '<user>'@'127.0.0.1' (using password: YES)",
        'later command: not called back',
        'end(cb): not called back',
      ]),
    )
    // Ours are mysql2's 1045 errors, marked; never showing the password.
    expect(ourErrors).toHaveLength(2)
    for (const err of ourErrors) {
      expect(isSecretClientError(err, 'AUTH_RETRY_EXHAUSTED')).toBe(true)
      expect(err).toBeInstanceOf(AuthRetryExhaustedError)
      expect(err).toMatchObject({ errno: 1045, attempts: 2, secretName: acct.secretName })
      expect(String((err as Error).message)).not.toContain(acct.password())
    }
  })

  it('destroy() before login abandons it: no session; the connection fails as mysql2 does (ABORTED)', async () => {
    const connection = createConnection(acct.options())
    const emitted = new Promise<unknown>((resolve) => connection.once('error', resolve))
    connection.destroy()
    expect(await emitted).toMatchObject({ name: 'SecretClientError', code: 'ABORTED', fatal: true })
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

  it("listeners added before login are the connection's own: removeListener after login works", async () => {
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
