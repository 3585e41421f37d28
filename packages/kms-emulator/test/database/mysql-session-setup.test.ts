import { describe, expect, it, vi } from 'vitest'
import { createDatabaseEngine, DatabaseEngineError } from '../../src/index.js'

// The session set-up statement fails on a server that rejects it; a real server never does for
// the admin account, so the driver is replaced by one whose first query fails like mysql2's.
const released: string[] = []
vi.mock('mysql2/promise', () => {
  const serverError = Object.assign(new Error("Access denied; SET SESSION sql_mode = 'x'"), {
    errno: 1227,
    code: 'ER_SPECIFIC_ACCESS_DENIED_ERROR',
    sqlMessage: 'Access denied; you need (at least one of) the SUPER privilege(s)',
    sql: "SET SESSION sql_mode = TRIM(BOTH ',' FROM …)",
  })
  const pool = {
    pool: { on: () => undefined },
    getConnection: async () => ({
      connection: {},
      query: async () => {
        throw serverError
      },
      release: () => released.push('release'),
    }),
    end: async () => undefined,
  }
  const mysql = { createPool: () => pool, escape: (v: string) => `'${v}'` }
  return { default: mysql, ...mysql }
})

describe('MySQL engine session set-up', () => {
  it('a failing SAFE_SQL_MODE statement is a DatabaseEngineError like other driver errors', async () => {
    const engine = createDatabaseEngine({ engine: 'mariadb', user: 'admin' })
    try {
      const err = await engine.accountExists('app').catch((e: unknown) => e)
      expect(err).toBeInstanceOf(DatabaseEngineError)
      expect(err).toMatchObject({ code: 'DATABASE_ERROR', serverCode: '1227' })
      expect((err as Error).message).toContain('accountExists')
      expect((err as Error).cause).toBeUndefined()
      expect(JSON.stringify(err)).not.toContain('sql_mode')
      expect(released).toEqual(['release'])
    } finally {
      await engine.close()
    }
  })
})
