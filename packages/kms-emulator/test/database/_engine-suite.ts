import { inspect } from 'node:util'
import { randomPassword } from '@org/test-support'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDatabaseEngine } from '../../src/database/create-database-engine.js'
import type { DatabaseEngine, DatabaseServerConfig } from '../../src/database/database-engine.js'
import { DatabaseEngineError } from '../../src/database/database-engine-error.js'

/**
 * What the shared engine suite needs from one real server. Every account and database a harness
 * hands out is registered for its own cleanup.
 */
export interface EngineHarness {
  /** Admin config for `createDatabaseEngine`. */
  config(): DatabaseServerConfig
  /** A fresh account name (not created), dropped at cleanup together with `<name>_clone`. */
  uniqueAccount(label: string): string
  /** A fresh empty database. */
  createDatabase(): Promise<string>
  /** A fresh database name that does not exist yet (dropped at cleanup if something creates it). */
  uniqueDatabaseName(): string
  /** Creates table `items (id int)` with one row in `database`, as the admin. */
  createTable(database: string): Promise<void>
  /** Creates a login account that may SELECT (only) from `database`.items. */
  createReader(account: string, password: string, database: string): Promise<void>
  /** Creates a login account with privileges the engine's admin lacks, for leak tests. */
  createWeakAdmin(account: string, password: string): Promise<void>
  /** Logs in with the raw driver (no engine) and runs `sql`; rejects with the driver's own error. */
  rawQuery(account: string, password: string, database: string, sql: string): Promise<unknown[]>
  /** What the driver's wrong-password error looks like (`{ errno: 1045 }` / `{ code: '28P01' }`). */
  authError: Record<string, unknown>
  /** What the driver's insufficient-privilege error looks like. */
  privilegeError: Record<string, unknown>
}

/** Runs the behaviour every {@link DatabaseEngine} must show against a real server. */
export function runEngineSuite(harness: EngineHarness): void {
  let engine: DatabaseEngine
  let database: string

  beforeAll(async () => {
    engine = createDatabaseEngine(harness.config())
    database = await harness.createDatabase()
    await harness.createTable(database)
  })
  afterAll(async () => {
    await engine?.close()
  })

  const expectCode = async (promise: Promise<unknown>, code: string) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(DatabaseEngineError)
    expect((error as DatabaseEngineError).code).toBe(code)
    return error as DatabaseEngineError
  }

  describe('setPassword', () => {
    it('makes the old password fail and the new one work, for the engine and the raw driver', async () => {
      const account = harness.uniqueAccount('setpw')
      const oldPassword = randomPassword()
      const newPassword = randomPassword()
      await harness.createReader(account, oldPassword, database)
      expect(await engine.checkLogin(account, oldPassword)).toBe(true)

      await engine.setPassword(account, newPassword)

      expect(await engine.checkLogin(account, oldPassword)).toBe(false)
      expect(await engine.checkLogin(account, newPassword)).toBe(true)
      await expect(
        harness.rawQuery(account, oldPassword, database, 'SELECT 1'),
      ).rejects.toMatchObject(harness.authError)
      const rows = await harness.rawQuery(account, newPassword, database, 'SELECT id FROM items')
      expect(rows).toEqual([{ id: 1 }])
    })

    it('accepts a non-ASCII password', async () => {
      const account = harness.uniqueAccount('unicode')
      await harness.createReader(account, randomPassword(), database)
      const password = `pässwörd-€-${randomPassword(8)}`
      await engine.setPassword(account, password)
      expect(await engine.checkLogin(account, password)).toBe(true)
      expect(await engine.checkLogin(account, `${password}x`)).toBe(false)
    })

    it('rejects an unknown account with ACCOUNT_NOT_FOUND', async () => {
      await expectCode(
        engine.setPassword(harness.uniqueAccount('missing'), randomPassword()),
        'ACCOUNT_NOT_FOUND',
      )
    })

    it('rejects empty or oversized passwords with INVALID_PASSWORD', async () => {
      const account = harness.uniqueAccount('badpw')
      await harness.createReader(account, randomPassword(), database)
      await expectCode(engine.setPassword(account, ''), 'INVALID_PASSWORD')
      await expectCode(engine.setPassword(account, 'x'.repeat(257)), 'INVALID_PASSWORD')
      await expectCode(engine.setPassword(account, 'a\0b'), 'INVALID_PASSWORD')
    })

    it('refuses to change the admin account the engine logs in with', async () => {
      // The usual admin names (root, postgres) are reserved outright.
      await expectCode(
        engine.setPassword(harness.config().user, randomPassword()),
        'INVALID_ACCOUNT_NAME',
      )
      const admin = harness.uniqueAccount('admin')
      const adminPassword = randomPassword()
      await harness.createWeakAdmin(admin, adminPassword)
      const own = createDatabaseEngine({
        ...harness.config(),
        user: admin,
        password: adminPassword,
      })
      try {
        await expectCode(own.setPassword(admin, randomPassword()), 'PROTECTED_ACCOUNT')
        await expectCode(
          own.cloneAccount(admin, `${admin}_clone`, randomPassword()),
          'PROTECTED_ACCOUNT',
        )
        expect(await engine.checkLogin(admin, adminPassword)).toBe(true)
      } finally {
        await own.close()
      }
    })
  })

  describe('cloneAccount', () => {
    it('creates a clone that logs in, has equal grants and can read what the source reads', async () => {
      const source = harness.uniqueAccount('src')
      const clone = `${source}_clone`
      const sourcePassword = randomPassword()
      const clonePassword = randomPassword()
      await harness.createReader(source, sourcePassword, database)

      await engine.cloneAccount(source, clone, clonePassword)

      expect(await engine.accountExists(clone)).toBe(true)
      expect(await engine.checkLogin(clone, clonePassword)).toBe(true)
      expect(await engine.checkLogin(clone, sourcePassword)).toBe(false)
      expect(await engine.checkLogin(source, sourcePassword)).toBe(true)
      const sourceGrants = await engine.describeGrants(source)
      expect(sourceGrants.some((line) => line.includes('SELECT'))).toBe(true)
      expect(await engine.describeGrants(clone)).toEqual(sourceGrants)
      expect(
        await harness.rawQuery(clone, clonePassword, database, 'SELECT id FROM items'),
      ).toEqual([{ id: 1 }])
      // Same privileges, not more: the source cannot write, so neither can the clone.
      await expect(
        harness.rawQuery(clone, clonePassword, database, 'INSERT INTO items (id) VALUES (2)'),
      ).rejects.toMatchObject(harness.privilegeError)
    })

    it('is idempotent: a second call resets the clone password and keeps the grants equal', async () => {
      const source = harness.uniqueAccount('again')
      const clone = `${source}_clone`
      await harness.createReader(source, randomPassword(), database)
      const first = randomPassword()
      const second = randomPassword()
      await engine.cloneAccount(source, clone, first)
      await engine.cloneAccount(source, clone, second)
      expect(await engine.checkLogin(clone, first)).toBe(false)
      expect(await engine.checkLogin(clone, second)).toBe(true)
      expect(await engine.describeGrants(clone)).toEqual(await engine.describeGrants(source))
    })

    it('rejects a missing source with ACCOUNT_NOT_FOUND and a clone equal to its source', async () => {
      const missing = harness.uniqueAccount('nosrc')
      await expectCode(
        engine.cloneAccount(missing, `${missing}_clone`, randomPassword()),
        'ACCOUNT_NOT_FOUND',
      )
      expect(await engine.accountExists(`${missing}_clone`)).toBe(false)
      const source = harness.uniqueAccount('self')
      await harness.createReader(source, randomPassword(), database)
      await expectCode(
        engine.cloneAccount(source, source, randomPassword()),
        'INVALID_ACCOUNT_NAME',
      )
    })
  })

  describe('createAccount', () => {
    it('ReadOnly: SELECT works, INSERT is refused by the server', async () => {
      const account = harness.uniqueAccount('ro')
      const password = randomPassword()
      await engine.createAccount(account, password, [{ database, privilege: 'ReadOnly' }])
      expect(await engine.checkLogin(account, password)).toBe(true)
      expect(await harness.rawQuery(account, password, database, 'SELECT id FROM items')).toEqual([
        { id: 1 },
      ])
      await expect(
        harness.rawQuery(account, password, database, 'INSERT INTO items (id) VALUES (3)'),
      ).rejects.toMatchObject(harness.privilegeError)
    })

    it('ReadWrite: INSERT and SELECT work, in a database it creates when missing', async () => {
      const account = harness.uniqueAccount('rw')
      const password = randomPassword()
      const fresh = harness.uniqueDatabaseName()
      await engine.createAccount(account, password, [{ database: fresh, privilege: 'ReadWrite' }])
      await harness.createTable(fresh)
      await harness.rawQuery(account, password, fresh, 'INSERT INTO items (id) VALUES (7)')
      const rows = await harness.rawQuery(
        account,
        password,
        fresh,
        'SELECT id FROM items ORDER BY id',
      )
      expect(rows).toEqual([{ id: 1 }, { id: 7 }])
    })

    it('refuses an existing account with ACCOUNT_EXISTS and leaves its password alone', async () => {
      const account = harness.uniqueAccount('dup')
      const password = randomPassword()
      await harness.createReader(account, password, database)
      await expectCode(
        engine.createAccount(account, randomPassword(), [{ database, privilege: 'ReadWrite' }]),
        'ACCOUNT_EXISTS',
      )
      expect(await engine.checkLogin(account, password)).toBe(true)
    })

    it('rejects unknown privileges and bad database names before touching the server', async () => {
      const account = harness.uniqueAccount('badgrant')
      await expectCode(
        engine.createAccount(account, randomPassword(), [
          { database, privilege: 'Owner' as 'ReadOnly' },
        ]),
        'INVALID_PRIVILEGE',
      )
      for (const bad of ['', '1db', 'db-x', 'db`x', 'db"x', "db'x", 'a'.repeat(64)]) {
        await expectCode(
          engine.createAccount(account, randomPassword(), [
            { database: bad, privilege: 'ReadOnly' },
          ]),
          'INVALID_DATABASE_NAME',
        )
      }
      expect(await engine.accountExists(account)).toBe(false)
    })
  })

  describe('identifier safety', () => {
    const badNames = [
      '',
      '1abc',
      '_x',
      'a-b',
      'a b',
      "a'b",
      'a"b',
      'a`b',
      'a\\b',
      'a%',
      'a;DROP',
      "x'@'%' IDENTIFIED BY 'y",
      'é',
      'a'.repeat(33),
    ]

    it('rejects every unsafe account name with INVALID_ACCOUNT_NAME in every operation', async () => {
      const good = harness.uniqueAccount('good')
      const pw = randomPassword()
      for (const bad of badNames) {
        await expectCode(engine.accountExists(bad), 'INVALID_ACCOUNT_NAME')
        await expectCode(engine.setPassword(bad, pw), 'INVALID_ACCOUNT_NAME')
        await expectCode(engine.cloneAccount(bad, good, pw), 'INVALID_ACCOUNT_NAME')
        await expectCode(engine.cloneAccount(good, bad, pw), 'INVALID_ACCOUNT_NAME')
        await expectCode(
          engine.createAccount(bad, pw, [{ database, privilege: 'ReadOnly' }]),
          'INVALID_ACCOUNT_NAME',
        )
        await expectCode(engine.checkLogin(bad, pw), 'INVALID_ACCOUNT_NAME')
        await expectCode(engine.describeGrants(bad), 'INVALID_ACCOUNT_NAME')
      }
      await expectCode(engine.accountExists(42 as unknown as string), 'INVALID_ACCOUNT_NAME')
    })

    it('reports a wrong password and an unknown account as a failed login, not an error', async () => {
      expect(await engine.checkLogin(harness.uniqueAccount('ghost'), randomPassword())).toBe(false)
      expect(await engine.accountExists(harness.uniqueAccount('ghost'))).toBe(false)
      await expectCode(engine.describeGrants(harness.uniqueAccount('ghost')), 'ACCOUNT_NOT_FOUND')
    })
  })

  describe('secrets never leak', () => {
    it('keeps a canary password out of errors of statements the server rejects', async () => {
      const weakAdmin = harness.uniqueAccount('weak')
      const weakPassword = randomPassword()
      await harness.createWeakAdmin(weakAdmin, weakPassword)
      const victim = harness.uniqueAccount('victim')
      await harness.createReader(victim, randomPassword(), database)
      const weak = createDatabaseEngine({
        ...harness.config(),
        user: weakAdmin,
        password: weakPassword,
      })
      try {
        // ASCII and non-ASCII canaries: the latter is sent as a literal, never pre-hashed.
        for (const canary of ['CANARY-zq8Xp2-secret', 'CANARY-ünï-zq8Xp2']) {
          const errors = [
            await expectCode(weak.setPassword(victim, canary), 'DATABASE_ERROR'),
            await expectCode(
              weak.createAccount(harness.uniqueAccount('never'), canary, [
                { database, privilege: 'ReadOnly' },
              ]),
              'DATABASE_ERROR',
            ),
          ]
          for (const error of errors) {
            expect(error.serverCode).toMatch(/^(1227|1044|42501)$/)
            for (const text of [
              error.message,
              String(error.stack),
              inspect(error, { depth: 5, showHidden: true }),
              JSON.stringify(error),
              JSON.stringify(Object.getOwnPropertyDescriptors(error)),
            ]) {
              expect(text).not.toContain('CANARY')
            }
            expect(error.cause).toBeUndefined()
          }
        }
      } finally {
        await weak.close()
      }
    })

    it('never shows the admin password through util.inspect or JSON.stringify', async () => {
      const config = { ...harness.config(), password: 'ADMIN-CANARY-77' }
      const other = createDatabaseEngine(config)
      expect(inspect(other, { depth: 5, showHidden: true })).not.toContain('ADMIN-CANARY')
      expect(JSON.stringify(other)).not.toContain('ADMIN-CANARY')
      // A failed admin login does not echo it either.
      const error = await expectCode(other.accountExists('someone'), 'DATABASE_UNAVAILABLE')
      expect(`${error.message} ${inspect(error)}`).not.toContain('ADMIN-CANARY')
      await other.close()
    })
  })

  describe('lifecycle', () => {
    it('rejects every operation after close() with ENGINE_CLOSED', async () => {
      const closing = createDatabaseEngine(harness.config())
      expect(await closing.accountExists(harness.uniqueAccount('x'))).toBe(false)
      await closing.close()
      await expectCode(closing.accountExists('someone'), 'ENGINE_CLOSED')
      await expectCode(closing.setPassword('someone', 'pw'), 'ENGINE_CLOSED')
      await expectCode(closing.checkLogin('someone', 'pw'), 'ENGINE_CLOSED')
      await closing.close()
    })

    it('rejects an invalid config with INVALID_CONFIG', () => {
      const base = harness.config()
      for (const bad of [
        { ...base, engine: 'oracle' },
        { ...base, port: 70000 },
        { ...base, port: 1.5 },
        { ...base, user: '' },
        { ...base, connectTimeoutMs: 0 },
      ]) {
        expect(() => createDatabaseEngine(bad as DatabaseServerConfig)).toThrow(
          expect.objectContaining({ code: 'INVALID_CONFIG' }),
        )
      }
    })
  })
}
