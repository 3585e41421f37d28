import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { scramSha256Secret } from '../../src/database/_scram-secret.js'
import { assertAccountName, assertGrants, assertPassword } from '../../src/database/_validate.js'
import { wrapDriverError } from '../../src/database/_wrap-driver-error.js'
import { DatabaseEngineError } from '../../src/database/database-engine-error.js'
import { KmsEmulatorError } from '../../src/errors.js'

const CANARY = 'CANARY-pw-9f3k'

/** Shaped like a mysql2 server error: the statement travels in `sql`, the server quotes it. */
function mysqlError() {
  return Object.assign(new Error(`You have an error in your SQL syntax near '${CANARY}'`), {
    code: 'ER_PARSE_ERROR',
    errno: 1064,
    sqlState: '42000',
    sqlMessage: `You have an error in your SQL syntax near '${CANARY}'`,
    sql: `ALTER USER 'a'@'%' IDENTIFIED BY '${CANARY}'`,
  })
}

describe('wrapDriverError', () => {
  it('keeps the error number but not the statement or the server message of a secret statement', () => {
    const error = wrapDriverError(mysqlError(), {
      operation: 'setPassword',
      account: 'a',
      secret: true,
    })
    expect(error).toBeInstanceOf(DatabaseEngineError)
    expect(error).toBeInstanceOf(KmsEmulatorError)
    expect(error).toMatchObject({
      code: 'DATABASE_ERROR',
      serverCode: '1064',
      name: 'DatabaseEngineError',
    })
    expect(error.message).toContain('setPassword for account "a"')
    for (const text of [
      error.message,
      inspect(error, { showHidden: true }),
      JSON.stringify(error),
    ]) {
      expect(text).not.toContain(CANARY)
    }
    expect(error.cause).toBeUndefined()
  })

  it('repeats the server message of statements without a password, never the statement itself', () => {
    const source = Object.assign(mysqlError(), {
      sqlMessage: "Table 'x.y' doesn't exist",
      errno: 1146,
    })
    const error = wrapDriverError(source, { operation: 'grant', secret: false })
    expect(error.message).toContain("Table 'x.y' doesn't exist")
    expect(error.message).not.toContain(CANARY)
    expect(error.serverCode).toBe('1146')
  })

  it('recognises pg server errors by their SQLSTATE', () => {
    const pgError = Object.assign(new Error(`syntax error at or near "${CANARY}"`), {
      code: '42601',
      severity: 'ERROR',
    })
    const error = wrapDriverError(pgError, { operation: 'setPassword', secret: true })
    expect(error).toMatchObject({ code: 'DATABASE_ERROR', serverCode: '42601' })
    expect(error.message).not.toContain(CANARY)
  })

  it('classifies network failures as DATABASE_UNAVAILABLE', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    })
    expect(wrapDriverError(refused, { operation: 'x', secret: true }).code).toBe(
      'DATABASE_UNAVAILABLE',
    )
    expect(
      wrapDriverError(new Error('timeout exceeded when trying to connect'), {
        operation: 'x',
        secret: false,
      }).code,
    ).toBe('DATABASE_UNAVAILABLE')
    expect(wrapDriverError('weird', { operation: 'x', secret: false }).code).toBe('DATABASE_ERROR')
  })

  it('passes an engine error through unchanged', () => {
    const original = new DatabaseEngineError('ACCOUNT_NOT_FOUND', 'gone')
    expect(wrapDriverError(original, { operation: 'x', secret: false })).toBe(original)
  })
})

describe('input validation', () => {
  it('accepts RDS-style names and rejects reserved ones through the predicate', () => {
    expect(() => assertAccountName('app_user1')).not.toThrow()
    expect(() => assertAccountName('A'.repeat(32))).not.toThrow()
    expect(() => assertAccountName('root', (n) => n === 'root')).toThrow(
      expect.objectContaining({ code: 'INVALID_ACCOUNT_NAME' }),
    )
    expect(() => assertAccountName('ROOT', (n) => n === 'root')).toThrow(DatabaseEngineError)
  })

  it('never echoes a rejected password', () => {
    let message = ''
    try {
      assertPassword(`${CANARY}\0`)
    } catch (error) {
      message = (error as Error).message
      expect(error).toMatchObject({ code: 'INVALID_PASSWORD' })
    }
    expect(message).not.toContain(CANARY)
  })

  it('rejects malformed grant lists', () => {
    for (const grants of [
      undefined,
      'x',
      [null],
      [{ database: 'db' }],
      [{ privilege: 'ReadOnly' }],
    ]) {
      expect(() => assertGrants(grants, new Set())).toThrow(DatabaseEngineError)
    }
    expect(() => assertGrants([{ database: 'db', privilege: 'ReadOnly' }], new Set())).not.toThrow()
  })
})

describe('scramSha256Secret', () => {
  it('builds a salted SCRAM-SHA-256 verifier that differs on every call', async () => {
    const a = await scramSha256Secret('secret-password')
    const b = await scramSha256Secret('secret-password')
    expect(a).toMatch(
      /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/,
    )
    expect(a).not.toBe(b)
    expect(a).not.toContain('secret-password')
  })

  it('leaves passwords that SASLprep could change to the server', async () => {
    expect(await scramSha256Secret('pässwort')).toBeUndefined()
    expect(await scramSha256Secret('tab\tinside')).toBeUndefined()
  })
})
