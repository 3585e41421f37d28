import {
  describeWithServer,
  probeMariaDb,
  type RotatingAccount,
  rotatingAccount,
} from '@org/test-support'
import mysql from 'mysql2'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { createConnection, isSecretClientError, type RowDataPacket } from '../src/index.js'

let acct: RotatingAccount

await describeWithServer(
  'MariaDB at 127.0.0.1:3306',
  probeMariaDb,
  'login retried in place',
  () => {
    beforeEach(async () => {
      acct = await rotatingAccount('inplace')
    })
    afterEach(() => acct.cleanup())

    it('many retries on one connection leave its socket with the listeners of a fresh one, and no warning', async () => {
      const warnings: string[] = []
      const onWarning = (warning: Error) => warnings.push(warning.name)
      process.on('warning', onWarning)
      try {
        // The database refuses the secret's password for good: every attempt of the budget is a
        // retry on the same connection, each on a fresh socket.
        await acct.maria.query("ALTER USER ?@'%' IDENTIFIED BY 'elsewhere'", [acct.account])
        const connection = createConnection({
          ...acct.options(),
          rotationRetry: { maxAttempts: 15, maxTimeMs: 10_000, baseDelayMs: 1, maxDelayMs: 2 },
        })
        const failed = await new Promise<Error>((resolve) => connection.once('error', resolve))
        expect(isSecretClientError(failed, 'AUTH_RETRY_EXHAUSTED')).toBe(true)
        expect(failed).toMatchObject({ errno: 1045, attempts: 15 })
        const raw = mysql.createConnection({
          host: acct.maria.host,
          port: acct.maria.port,
          user: acct.account,
          password: 'wrong',
        })
        await new Promise((resolve) => raw.once('error', resolve))
        const stream = (c: object) => (c as { stream: NodeJS.EventEmitter }).stream
        for (const event of ['end', 'close', 'error', 'data']) {
          expect(stream(connection).listenerCount(event), event).toBe(
            stream(raw).listenerCount(event),
          )
        }
        await new Promise((resolve) => setImmediate(resolve))
        expect(warnings).not.toContain('MaxListenersExceededWarning')
      } finally {
        process.off('warning', onWarning)
      }
    })

    it('a login the database accepts after a few rejections runs the queued query once', async () => {
      // The secret is ahead of the database until catchUpDatabase(): the first logins are refused.
      await acct.client.getSecretInfo(acct.secretName)
      acct.rotateSecretOnly()
      const connection = createConnection({
        ...acct.options(),
        rotationRetry: { maxTimeMs: 10_000, baseDelayMs: 5, maxDelayMs: 20 },
      })
      const rows = new Promise<RowDataPacket[]>((resolve, reject) =>
        connection.query<RowDataPacket[]>('SELECT 1 AS one', (err, result) =>
          err ? reject(err) : resolve(result),
        ),
      )
      setTimeout(() => void acct.catchUpDatabase(), 100)
      expect((await rows)[0]?.one).toBe(1)
      await new Promise<void>((resolve) => connection.end(() => resolve()))
    })
  },
)
