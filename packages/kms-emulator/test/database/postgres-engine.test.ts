import {
  describeWithServer,
  type PgServer,
  probeEmbeddedPostgres,
  randomPassword,
  startPostgres,
} from '@org/test-support'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createDatabaseEngine } from '../../src/database/create-database-engine.js'
import type { DatabaseEngine } from '../../src/database/database-engine.js'
import { runEngineSuite } from './_engine-suite.js'

let server: PgServer
const q = (identifier: string) => pg.escapeIdentifier(identifier)

async function rawQuery(user: string, password: string, database: string, sql: string) {
  const client = new pg.Client({
    host: server.host,
    port: server.port,
    user,
    password,
    database,
    connectionTimeoutMillis: 5000,
  })
  client.on('error', () => {})
  try {
    await client.connect()
    return (await client.query(sql)).rows as unknown[]
  } finally {
    await client.end().catch(() => {})
  }
}

async function createReader(account: string, password: string, database: string) {
  await server.query(`CREATE ROLE ${q(account)} LOGIN PASSWORD ${pg.escapeLiteral(password)}`)
  await server.query(`GRANT CONNECT ON DATABASE ${q(database)} TO ${q(account)}`)
  await server.query(`GRANT SELECT ON items TO ${q(account)}`, [], database)
}

await describeWithServer(
  'embedded PostgreSQL',
  probeEmbeddedPostgres,
  'PostgresEngine (embedded PostgreSQL, scram-sha-256)',
  () => {
    beforeAll(async () => {
      server = await startPostgres()
    })
    // Roles and databases live in the private cluster: stop() removes all of it.
    afterAll(() => server?.stop())

    runEngineSuite({
      config: () => ({
        engine: 'postgresql',
        host: server.host,
        port: server.port,
        user: server.adminUser,
        password: server.adminPassword,
      }),
      uniqueAccount: (label) => server.uniqueRole(label),
      createDatabase: () => server.createIsolatedDatabase(),
      uniqueDatabaseName: () => server.uniqueRole('db'),
      async createTable(database) {
        await server.query('CREATE TABLE items (id int PRIMARY KEY)', [], database)
        await server.query('INSERT INTO items (id) VALUES (1)', [], database)
      },
      createReader,
      async createWeakAdmin(account, password) {
        await server.query(`CREATE ROLE ${q(account)} LOGIN PASSWORD ${pg.escapeLiteral(password)}`)
      },
      rawQuery,
      authError: { code: '28P01' },
      privilegeError: { code: '42501' },
    })

    let engine: DatabaseEngine
    let database: string
    beforeAll(async () => {
      engine = createDatabaseEngine({
        engine: 'postgresql',
        host: server.host,
        port: server.port,
        user: server.adminUser,
        password: server.adminPassword,
      })
      database = await server.createIsolatedDatabase()
      await server.query('CREATE TABLE items (id int)', [], database)
    })
    afterAll(() => engine?.close())

    it('stores SCRAM-SHA-256 secrets, for pre-hashed ASCII and server-hashed non-ASCII passwords', async () => {
      const ascii = server.uniqueRole('scram')
      const unicode = server.uniqueRole('scramu')
      await createReader(ascii, randomPassword(), database)
      await createReader(unicode, randomPassword(), database)
      const asciiPassword = randomPassword()
      const unicodePassword = `ünïcödé-${randomPassword(8)}`
      await engine.setPassword(ascii, asciiPassword)
      await engine.setPassword(unicode, unicodePassword)
      const rows = await server.query<{ rolname: string; rolpassword: string }>(
        'SELECT rolname, rolpassword FROM pg_authid WHERE rolname = ANY($1)',
        [[ascii, unicode]],
      )
      expect(rows).toHaveLength(2)
      for (const row of rows) expect(row.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/)
      expect(await engine.checkLogin(ascii, asciiPassword)).toBe(true)
      expect(await engine.checkLogin(unicode, unicodePassword)).toBe(true)
    })

    it('makes the clone a member of its source and copies memberships and database grants', async () => {
      const source = server.uniqueRole('member')
      const group = server.uniqueRole('group')
      const other = await server.createIsolatedDatabase()
      await createReader(source, randomPassword(), database)
      await server.query(`CREATE ROLE ${q(group)} NOLOGIN`)
      await server.query(`GRANT ${q(group)} TO ${q(source)} WITH ADMIN TRUE`)
      await server.query(`GRANT CREATE ON DATABASE ${q(other)} TO ${q(source)} WITH GRANT OPTION`)
      await server.query(`ALTER ROLE ${q(source)} CREATEDB CONNECTION LIMIT 9`)
      const clone = `${source}_clone`

      await engine.cloneAccount(source, clone, randomPassword())

      const memberships = await server.query<{ role: string; admin: boolean }>(
        `SELECT r.rolname AS role, m.admin_option AS admin FROM pg_auth_members m
         JOIN pg_roles r ON r.oid = m.roleid
         WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1) ORDER BY 1`,
        [clone],
      )
      expect(memberships).toEqual(
        [
          { role: group, admin: true },
          { role: source, admin: false },
        ].sort((a, b) => a.role.localeCompare(b.role)),
      )
      const acl = await server.query<{ privilege_type: string; is_grantable: boolean }>(
        `SELECT a.privilege_type, a.is_grantable FROM pg_database d, aclexplode(d.datacl) a
         WHERE d.datname = $1 AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $2)`,
        [other, clone],
      )
      expect(acl).toEqual([{ privilege_type: 'CREATE', is_grantable: true }])
      const grants = await engine.describeGrants(clone)
      expect(grants).toEqual(await engine.describeGrants(source))
      expect(grants).toContain('ROLE {account}: LOGIN, INHERIT, CREATEDB, CONNECTION LIMIT 9')
      expect(grants).toContain(`INHERITS ${group}`)
      expect(grants).toContain(`TABLE ${database}.public.items: SELECT`)
    })

    it('re-syncs an existing clone: extra memberships and database grants are revoked', async () => {
      const source = server.uniqueRole('resync')
      const clone = `${source}_clone`
      const group = server.uniqueRole('extra')
      await createReader(source, randomPassword(), database)
      await engine.cloneAccount(source, clone, randomPassword())
      await server.query(`CREATE ROLE ${q(group)} NOLOGIN`)
      await server.query(`GRANT ${q(group)} TO ${q(clone)}`)
      await server.query(`GRANT INSERT ON items TO ${q(group)}`, [], database)
      await server.query(`GRANT CREATE ON DATABASE ${q(database)} TO ${q(clone)}`)
      expect(await engine.describeGrants(clone)).not.toEqual(await engine.describeGrants(source))
      const password = randomPassword()

      await engine.cloneAccount(source, clone, password)

      expect(await engine.describeGrants(clone)).toEqual(await engine.describeGrants(source))
      await expect(
        rawQuery(clone, password, database, 'INSERT INTO items (id) VALUES (5)'),
      ).rejects.toMatchObject({ code: '42501' })
    })

    it('DMLOnly and DDLOnly hold on the server', async () => {
      const dml = server.uniqueRole('dml')
      const ddl = server.uniqueRole('ddl')
      const password = randomPassword()
      await engine.createAccount(dml, password, [{ database, privilege: 'DMLOnly' }])
      await engine.createAccount(ddl, password, [{ database, privilege: 'DDLOnly' }])
      await rawQuery(dml, password, database, 'INSERT INTO items (id) VALUES (9)')
      await expect(
        rawQuery(dml, password, database, 'CREATE TABLE nope (id int)'),
      ).rejects.toMatchObject({ code: '42501' })
      await rawQuery(ddl, password, database, 'CREATE TABLE ddl_made (id int)')
      await expect(rawQuery(ddl, password, database, 'SELECT * FROM items')).rejects.toMatchObject({
        code: '42501',
      })
    })

    it('rejects template databases and pg_-prefixed role names', async () => {
      for (const template of ['template0', 'template1']) {
        await expect(
          engine.createAccount(server.uniqueRole('tpl'), randomPassword(), [
            { database: template, privilege: 'ReadOnly' },
          ]),
        ).rejects.toMatchObject({ code: 'INVALID_DATABASE_NAME' })
      }
      await expect(engine.setPassword('pg_monitor', randomPassword())).rejects.toMatchObject({
        code: 'INVALID_ACCOUNT_NAME',
      })
    })
  },
)
