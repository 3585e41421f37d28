import { describeWithServer, mariadb, probeMariaDb, randomPassword } from '@org/test-support'
import mysql from 'mysql2/promise'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createDatabaseEngine } from '../../src/database/create-database-engine.js'
import type { DatabaseEngine } from '../../src/database/database-engine.js'
import { runEngineSuite } from './_engine-suite.js'

const server = mariadb()

async function rawQuery(user: string, password: string, database: string, sql: string) {
  const connection = await mysql.createConnection({
    host: server.host,
    port: server.port,
    user,
    password,
    database,
    connectTimeout: 5000,
  })
  connection.on('error', () => {})
  try {
    const [rows] = await connection.query(sql)
    return rows as unknown[]
  } finally {
    await connection.end()
  }
}

await describeWithServer('MariaDB at 127.0.0.1:3306', probeMariaDb, 'MysqlEngine (MariaDB)', () => {
  afterAll(() => server.cleanup())

  runEngineSuite({
    config: () => ({
      engine: 'mariadb',
      host: server.host,
      port: server.port,
      user: server.adminUser,
      password: server.adminPassword,
    }),
    uniqueAccount: (label) => server.uniqueUser(label),
    createDatabase: () => server.createIsolatedDatabase(),
    uniqueDatabaseName: () => server.uniqueDatabase(),
    async createTable(database) {
      await server.query(`CREATE TABLE \`${database}\`.items (id INT PRIMARY KEY)`)
      await server.query(`INSERT INTO \`${database}\`.items (id) VALUES (1)`)
    },
    async createReader(account, password, database) {
      await server.query("CREATE USER ?@'%' IDENTIFIED BY ?", [account, password])
      await server.query(`GRANT SELECT ON \`${database}\`.items TO ?@'%'`, [account])
    },
    async createWeakAdmin(account, password) {
      await server.query("CREATE USER ?@'%' IDENTIFIED BY ?", [account, password])
      await server.query("GRANT SELECT ON mysql.* TO ?@'%'", [account])
    },
    rawQuery,
    authError: { errno: 1045 },
    privilegeError: { errno: 1142 },
  })

  let engine: DatabaseEngine
  beforeAll(() => {
    engine = createDatabaseEngine({ engine: 'mariadb', user: server.adminUser })
  })
  afterAll(() => engine.close())

  it("manages accounts as 'name'@'%', which matches TCP clients from 127.0.0.1", async () => {
    const account = server.uniqueUser('host')
    const password = randomPassword()
    const database = await server.createIsolatedDatabase()
    await engine.createAccount(account, password, [{ database, privilege: 'ReadOnly' }])
    const rows = (await server.query('SELECT Host FROM mysql.user WHERE User = ?', [
      account,
    ])) as Array<{
      Host: string
    }>
    expect(rows).toEqual([{ Host: '%' }])
    expect(await rawQuery(account, password, database, 'SELECT CURRENT_USER() AS u')).toEqual([
      { u: `${account}@%` },
    ])
  })

  it('escapes _ in database grants so a look-alike database stays out of reach', async () => {
    const account = server.uniqueUser('wild')
    const password = randomPassword()
    const database = await server.createIsolatedDatabase('wild')
    // Same name with its last `_` replaced: an unescaped `_` wildcard would match it.
    const lookAlike = database.replace(/_(?=[^_]*$)/, 'x')
    await server.query(`CREATE DATABASE \`${lookAlike}\``)
    server.registerDatabase(lookAlike)
    await server.query(`CREATE TABLE \`${lookAlike}\`.items (id INT)`)
    await engine.createAccount(account, password, [{ database, privilege: 'ReadWrite' }])
    await expect(
      rawQuery(account, password, database, 'CREATE TABLE items (id INT)'),
    ).resolves.toBeDefined()
    await expect(
      rawQuery(account, password, lookAlike, 'SELECT * FROM items'),
    ).rejects.toMatchObject({
      errno: 1044,
    })
  })

  it('copies roles, default roles, grant options and column grants to the clone', async () => {
    const source = server.uniqueUser('rich')
    const role = server.uniqueRole('role')
    const database = await server.createIsolatedDatabase()
    await server.query(`CREATE TABLE \`${database}\`.items (id INT, secret INT)`)
    await server.query(`CREATE ROLE \`${role}\``)
    await server.query(`GRANT SELECT ON \`${database}\`.* TO \`${role}\``)
    await server.query("CREATE USER ?@'%' IDENTIFIED BY ? WITH MAX_USER_CONNECTIONS 7", [
      source,
      randomPassword(),
    ])
    await server.query(`GRANT \`${role}\` TO ?@'%'`, [source])
    await server.query(`SET DEFAULT ROLE \`${role}\` FOR ?@'%'`, [source])
    await server.query(`GRANT INSERT (id) ON \`${database}\`.items TO ?@'%' WITH GRANT OPTION`, [
      source,
    ])
    const password = randomPassword()

    await engine.cloneAccount(source, `${source}_clone`, password)

    const grants = await engine.describeGrants(`${source}_clone`)
    expect(grants).toEqual(await engine.describeGrants(source))
    expect(grants.join('\n')).toContain('MAX_USER_CONNECTIONS 7')
    expect(grants.join('\n')).toContain('SET DEFAULT ROLE')
    expect(grants.join('\n')).not.toContain('IDENTIFIED')
    // The default role is active at login: the clone reads through the role's privilege.
    expect(await rawQuery(`${source}_clone`, password, database, 'SELECT id FROM items')).toEqual(
      [],
    )
    await rawQuery(`${source}_clone`, password, database, 'INSERT INTO items (id) VALUES (1)')
  })

  it('re-syncs an existing clone: privileges the source lacks are revoked', async () => {
    const source = server.uniqueUser('sync')
    const clone = `${source}_clone`
    const database = await server.createIsolatedDatabase()
    await server.query(`CREATE TABLE \`${database}\`.items (id INT)`)
    await server.query("CREATE USER ?@'%' IDENTIFIED BY ?", [source, randomPassword()])
    await server.query(`GRANT SELECT ON \`${database}\`.* TO ?@'%'`, [source])
    await engine.cloneAccount(source, clone, randomPassword())
    await server.query(`GRANT INSERT, DELETE ON \`${database}\`.* TO ?@'%' WITH GRANT OPTION`, [
      clone,
    ])
    await server.query(`GRANT UPDATE ON \`${database}\`.items TO ?@'%'`, [clone])
    expect(await engine.describeGrants(clone)).not.toEqual(await engine.describeGrants(source))
    const password = randomPassword()

    await engine.cloneAccount(source, clone, password)

    expect(await engine.describeGrants(clone)).toEqual(await engine.describeGrants(source))
    await expect(
      rawQuery(clone, password, database, 'INSERT INTO items (id) VALUES (1)'),
    ).rejects.toMatchObject({ errno: 1142 })
  })

  it('rejects the system databases as grant targets', async () => {
    for (const database of ['mysql', 'information_schema', 'performance_schema', 'sys']) {
      await expect(
        engine.createAccount(server.uniqueUser('sys'), randomPassword(), [
          { database, privilege: 'ReadWrite' },
        ]),
      ).rejects.toMatchObject({ code: 'INVALID_DATABASE_NAME' })
    }
  })
})
