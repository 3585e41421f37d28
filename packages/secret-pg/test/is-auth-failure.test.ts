import { AuthRetryExhaustedError } from '@org/secret-client'
import { markAuthRetryExhausted } from '@org/secret-client/driver'
import {
  type PgServer,
  probeEmbeddedPostgres,
  randomName,
  requireServer,
  startPostgres,
} from '@org/test-support'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isAuthFailure } from '../src/index.js'

describe('isAuthFailure', () => {
  it('matches 28P01 and 28000 on the error itself', () => {
    expect(isAuthFailure({ code: '28P01' })).toBe(true)
    expect(isAuthFailure(Object.assign(new Error('x'), { code: '28000' }))).toBe(true)
  })

  it('walks the cause chain', () => {
    const inner = Object.assign(new Error('denied'), { code: '28P01' })
    const wrapped = new Error('orm', { cause: new Error('pool', { cause: inner }) })
    expect(isAuthFailure(wrapped)).toBe(true)
    expect(
      isAuthFailure(
        new AuthRetryExhaustedError({
          secretName: 's',
          attempts: 1,
          elapsedMs: 0,
          versionId: 'v',
          cause: inner,
        }),
      ),
    ).toBe(true)
  })

  it('walks originalError (node-mssql, knex wrappers)', () => {
    const inner = Object.assign(new Error('denied'), { code: '28000' })
    expect(isAuthFailure(Object.assign(new Error('orm'), { originalError: inner }))).toBe(true)
    expect(
      isAuthFailure({ originalError: { cause: { code: '28P01' } } }),
      'originalError then cause',
    ).toBe(true)
    expect(isAuthFailure({ originalError: { code: '57P01' } })).toBe(false)
  })

  it("walks an AggregateError's errors", () => {
    const denied = Object.assign(new Error('denied'), { code: '28P01' })
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    expect(isAuthFailure(new AggregateError([refused, denied], 'all failed'))).toBe(true)
    expect(
      isAuthFailure(new Error('pool', { cause: new AggregateError([refused, denied]) })),
      'nested in a cause',
    ).toBe(true)
    expect(isAuthFailure(new AggregateError([refused], 'all failed'))).toBe(false)
    expect(isAuthFailure(new AggregateError([], 'none'))).toBe(false)
  })

  it("matches pg's own error marked as the end of a rotation budget", () => {
    const denied = Object.assign(new Error('password authentication failed'), { code: '28P01' })
    const marked = markAuthRetryExhausted(denied, {
      secretName: 's',
      attempts: 3,
      elapsedMs: 10,
      versionId: 'v',
    })
    expect(marked).toBe(denied)
    expect(isAuthFailure(marked)).toBe(true)
  })

  it('does not match other codes, messages, or non-errors', () => {
    expect(isAuthFailure({ code: '57P01' })).toBe(false)
    expect(isAuthFailure({ code: 28000 })).toBe(false)
    expect(isAuthFailure(new Error('password authentication failed for user "x"'))).toBe(false)
    for (const value of [undefined, null, 0, '28P01', Symbol('x')]) {
      expect(isAuthFailure(value)).toBe(false)
    }
  })

  it('terminates on a cyclic cause chain', () => {
    const a: { code: string; cause?: unknown } = { code: 'X' }
    a.cause = { code: 'Y', cause: a }
    expect(isAuthFailure(a)).toBe(false)
  })
})

const available = await requireServer('embedded PostgreSQL', probeEmbeddedPostgres)

describe.skipIf(!available)('isAuthFailure on errors of a real PostgreSQL', () => {
  let server: PgServer
  beforeAll(async () => {
    server = await startPostgres()
  })
  afterAll(async () => {
    await server?.stop()
  })

  const connectError = async (user: string, password: string): Promise<unknown> => {
    const client = new pg.Client({ ...server.connectionOptions(), user, password })
    client.on('error', () => {})
    try {
      await client.connect()
    } catch (error) {
      return error
    } finally {
      await client.end()
    }
    throw new Error('expected the login to fail')
  }

  it('a wrong password gives 28P01', async () => {
    const role = randomName('wrongpw')
    await server.query(`CREATE ROLE ${role} LOGIN PASSWORD 'right-password'`)
    const error = await connectError(role, 'wrong-password')
    expect(error).toBeInstanceOf(pg.DatabaseError)
    expect(error).toMatchObject({ code: '28P01' })
    expect(isAuthFailure(error)).toBe(true)
  })

  it('a NOLOGIN role gives 28000', async () => {
    const role = randomName('nologin')
    await server.query(`CREATE ROLE ${role} NOLOGIN PASSWORD 'right-password'`)
    const error = await connectError(role, 'right-password')
    expect(error).toBeInstanceOf(pg.DatabaseError)
    expect(error).toMatchObject({ code: '28000' })
    expect(isAuthFailure(error)).toBe(true)
  })

  it('a missing database (3D000) is not an authentication failure', async () => {
    const client = new pg.Client(server.connectionOptions(randomName('nodb')))
    client.on('error', () => {})
    const error = await client.connect().then(
      () => undefined,
      (err: unknown) => err,
    )
    await client.end()
    expect(error).toMatchObject({ code: '3D000' })
    expect(isAuthFailure(error)).toBe(false)
  })
})
