import {
  describeWithServer,
  mariadb as mariaHelper,
  probeMariaDb,
  randomPassword,
} from '@org/test-support'
import mariadb from 'mariadb'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { isAuthFailure } from '../src/index.js'

const maria = mariaHelper()
let account: string
let password: string
let database: string
let otherDatabase: string

/** What the real connector rejects `options` with. */
const rejection = (options: object): Promise<unknown> =>
  mariadb
    .createConnection({ host: maria.host, port: maria.port, connectTimeout: 3_000, ...options })
    .then(
      async (connection) => {
        await connection.end()
        throw new Error('connected')
      },
      (error: unknown) => error,
    )

await describeWithServer('MariaDB at 127.0.0.1:3306', probeMariaDb, 'isAuthFailure', () => {
  beforeAll(async () => {
    account = maria.uniqueUser('auth')
    password = randomPassword()
    database = await maria.createIsolatedDatabase('auth')
    otherDatabase = await maria.createIsolatedDatabase('other')
    await maria.query("CREATE USER ?@'%' IDENTIFIED BY ?", [account, password])
    await maria.query(`GRANT ALL ON \`${database}\`.* TO ?@'%'`, [account])
  })
  afterAll(() => maria.cleanup())

  it('1045 for a wrong password', async () => {
    const error = await rejection({ user: account, password: 'wrong', database })
    expect(error).toMatchObject({ errno: 1045, code: 'ER_ACCESS_DENIED_ERROR', sqlState: '28000' })
    expect(isAuthFailure(error)).toBe(true)
  })

  it('1045 for an unknown account (a dual-account clone not created yet looks the same)', async () => {
    const error = await rejection({ user: `${account}_none`, password, database })
    // 1045, or 1698 when the server answered the unknown account with another plugin (at random).
    expect([1045, 1698], String(error)).toContain((error as { errno?: number }).errno)
    expect(isAuthFailure(error)).toBe(true)
  })

  it('1045 wrapped by the connector pool (its error event, and the request timeout cause)', async () => {
    const pool = mariadb.createPool({
      host: maria.host,
      port: maria.port,
      user: account,
      password: 'wrong',
      connectionLimit: 1,
      acquireTimeout: 800,
    })
    const events: unknown[] = []
    ;(pool as unknown as NodeJS.EventEmitter).on('error', (error) => events.push(error))
    const error = await pool.getConnection().then(
      () => new Error('connected'),
      (caught: unknown) => caught,
    )
    await pool.end()
    // Every version reports the rejection on the pool's 'error' event (the 1045 itself, or
    // 45060/45061 with it as cause): that is what a rotation-aware pool listens to.
    expect(events.length).toBeGreaterThan(0)
    expect(events.every(isAuthFailure)).toBe(true)
    // The request's own timeout carries it as cause from 3.4 on; before, it is a bare 45028.
    if ((error as { cause?: unknown }).cause === undefined) {
      expect(error).toMatchObject({ errno: 45028 })
      expect(isAuthFailure(error)).toBe(false)
    } else {
      expect(isAuthFailure(error)).toBe(true)
      expect(isAuthFailure(new Error('wrapper', { cause: error }))).toBe(true)
    }
  })

  it('not for a database the account may not use (1044), nor an unknown one', async () => {
    const denied = await rejection({ user: account, password, database: otherDatabase })
    expect(denied).toMatchObject({ errno: 1044 })
    expect(isAuthFailure(denied)).toBe(false)
    const unknown = await rejection({
      user: 'root',
      password: maria.adminPassword,
      database: `${database}_none`,
    })
    expect(unknown).toMatchObject({ errno: 1049 })
    expect(isAuthFailure(unknown)).toBe(false)
  })

  it('1698 (access denied answered with another plugin) counts; other codes of the family do not', () => {
    const coded = (errno: number) => Object.assign(new Error(`errno ${errno}`), { errno })
    expect(isAuthFailure(coded(1698))).toBe(true)
    expect(isAuthFailure(new Error('pool', { cause: coded(1698) }))).toBe(true)
    for (const errno of [1044, 1049, 1040, 1130, 4151])
      expect(isAuthFailure(coded(errno))).toBe(false)
  })

  it('not for a refused connection', async () => {
    const refused = await rejection({ port: 1, user: account, password })
    expect(isAuthFailure(refused)).toBe(false)
  })
})
