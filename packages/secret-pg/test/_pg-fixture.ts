import { type KmsEmulator, startKmsEmulator } from '@org/kms-emulator'
import { SecretCacheClient, type SecretCacheClientOptions } from '@org/secret-client'
import {
  type PgServer,
  pgIdentifier,
  pgLiteral,
  randomName,
  randomPassword,
  startPostgres,
} from '@org/test-support'

/** A private PostgreSQL, a KMS emulator managing its roles, and a secret client reading it. */
export interface PgFixture {
  server: PgServer
  emulator: KmsEmulator
  secretClient: SecretCacheClient
  /** A LOGIN role owning a fresh database, with a managed (Rds) secret `db/<role>`. */
  createRdsSecret(subType?: 'SingleUser' | 'DoubleUsers'): Promise<{
    secretName: string
    role: string
    database: string
  }>
  /** A Generic secret with the given JSON value. */
  createGenericSecret(value: Record<string, unknown>): Promise<string>
  /** A further secret client (closed by `close()`), e.g. to start with a cold cache. */
  newClient(options?: SecretCacheClientOptions): SecretCacheClient
  /** GetSecretValue calls so far. */
  getSecretValueCalls(): number
  /** Sessions of `role` (and `<role>_clone`) on the server. */
  sessions(role: string): Promise<number>
  /** Terminates every session of `role` (and its clone). */
  terminate(role: string): Promise<number>
  close(): Promise<void>
}

const id = (name: string) => pgIdentifier(name)

/** Starts the fixture; call `close()` in `afterAll`. */
export async function startPgFixture(): Promise<PgFixture> {
  const server = await startPostgres()
  let emulator: KmsEmulator
  try {
    emulator = await startKmsEmulator({
      databases: {
        'rm-pg': {
          engine: 'postgresql',
          host: server.host,
          port: server.port,
          user: server.adminUser,
          password: server.adminPassword,
        },
      },
      schedulerIntervalMs: 0,
    })
  } catch (error) {
    await server.stop()
    throw error
  }
  const clients: SecretCacheClient[] = []
  const newClient = (options: SecretCacheClientOptions = {}) => {
    const client = new SecretCacheClient({
      endpoint: emulator.endpoint,
      regionId: emulator.regionId,
      credential: { accessKeyId: emulator.accessKeyId, accessKeySecret: emulator.accessKeySecret },
      minRefreshIntervalMs: 200,
      timeoutMs: 2000,
      retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 100 },
      ...options,
    })
    clients.push(client)
    return client
  }
  const secretClient = newClient()

  return {
    server,
    emulator,
    secretClient,
    async createRdsSecret(subType = 'SingleUser') {
      const role = randomName('r')
      const database = randomName('db')
      const password = randomPassword()
      await server.query(`CREATE ROLE ${id(role)} LOGIN PASSWORD ${pgLiteral(password)}`)
      await server.query(`CREATE DATABASE ${id(database)} OWNER ${id(role)}`)
      const secretName = `db/${role}`
      await emulator.call('CreateSecret', {
        SecretName: secretName,
        SecretType: 'Rds',
        SecretData: JSON.stringify({
          Accounts: [{ AccountName: role, AccountPassword: password }],
        }),
        ExtendedConfig: JSON.stringify({ DBInstanceId: 'rm-pg', SecretSubType: subType }),
      })
      return { secretName, role, database }
    },
    async createGenericSecret(value) {
      const secretName = `generic/${randomName('g')}`
      await emulator.call('CreateSecret', {
        SecretName: secretName,
        SecretData: JSON.stringify(value),
        VersionId: 'v1',
      })
      return secretName
    },
    newClient,
    getSecretValueCalls: () => emulator.counters('GetSecretValue').calls,
    async sessions(role) {
      const rows = await server.query<{ n: string }>(
        'SELECT COUNT(*) AS n FROM pg_stat_activity WHERE usename = ANY($1)',
        [[role, `${role}_clone`]],
      )
      return Number(rows[0]?.n ?? 0)
    },
    async terminate(role) {
      const rows = await server.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ANY($1)',
        [[role, `${role}_clone`]],
      )
      return rows.length
    },
    async close() {
      await Promise.allSettled(clients.map((client) => client.close()))
      await emulator.close()
      await server.stop()
    },
  }
}
