import { createHash, createHmac, pbkdf2, randomBytes } from 'node:crypto'
import { promisify } from 'node:util'

const pbkdf2Async = promisify(pbkdf2)
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/
const ITERATIONS = 4096

/**
 * The SCRAM-SHA-256 secret PostgreSQL would store for `password`
 * (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, RFC 5802/7677), computed here so
 * `ALTER ROLE … PASSWORD` sends a verifier instead of the password: the plain text then never
 * reaches the server's statement log or `pg_stat_statements`.
 *
 * Returns `undefined` for passwords outside printable ASCII: the server applies SASLprep before
 * hashing and node-postgres does not when logging in, so only input SASLprep leaves unchanged can be
 * hashed client-side safely. Those passwords go as an escaped literal instead.
 */
export async function scramSha256Secret(password: string): Promise<string | undefined> {
  if (!PRINTABLE_ASCII.test(password)) return undefined
  const salt = randomBytes(16)
  const salted = await pbkdf2Async(password, salt, ITERATIONS, 32, 'sha256')
  const clientKey = createHmac('sha256', salted).update('Client Key').digest()
  const storedKey = createHash('sha256').update(clientKey).digest()
  const serverKey = createHmac('sha256', salted).update('Server Key').digest()
  return `SCRAM-SHA-256$${ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`
}
