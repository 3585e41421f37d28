import { type FetchSecretRequest, SecretCacheClient, type SecretRecord } from '@org/secret-client'
import { afterEach, beforeEach } from 'vitest'
import { type MariaDbHelper, mariadb, probeMariaDb } from './mariadb.js'
import { randomPassword } from './random-name.js'
import { describeWithServer } from './require-server.js'

/**
 * A real MariaDB account and database, with a secret served by an in-memory KMS the test
 * controls: `rotate()` changes the password in the database and publishes a new version.
 */
export interface RotatingAccount {
  readonly maria: MariaDbHelper
  readonly account: string
  readonly database: string
  readonly secretName: string
  /** Client reading the in-memory KMS (closed by `cleanup()`). */
  readonly client: SecretCacheClient
  /** GetSecretValue calls answered so far. */
  readonly fetches: () => number
  /** Current password (for tests asserting it never leaks). */
  readonly password: () => string
  /** New password in the database, then a new ACSCurrent version (the old one becomes ACSPrevious). */
  rotate(): Promise<void>
  /** A new ACSCurrent version whose password the database does not know yet (secret ahead). */
  rotateSecretOnly(): void
  /** The database catches up with the secret's current password. */
  catchUpDatabase(): Promise<void>
  /** Options every secret-mysql factory needs in these tests. */
  options(): {
    secretName: string
    secretClient: SecretCacheClient
    host: string
    port: number
    database: string
  }
  cleanup(): Promise<void>
}

/** Knobs of {@link rotatingAccount}. */
export interface RotatingAccountOptions {
  /** How long each GetSecretValue takes, so concurrent refreshes overlap. @default 0 */
  fetchDelayMs?: number
}

/** Creates the account, its database and the client. */
export async function rotatingAccount(
  label = 'acct',
  options: RotatingAccountOptions = {},
): Promise<RotatingAccount> {
  const fetchDelayMs = options.fetchDelayMs ?? 0
  const maria = mariadb()
  const account = maria.uniqueUser(label)
  const database = await maria.createIsolatedDatabase()
  let password = randomPassword()
  await maria.query("CREATE USER ?@'%' IDENTIFIED BY ?", [account, password])
  await maria.query(`GRANT ALL ON \`${database}\`.* TO ?@'%'`, [account])
  const secretName = `db/${account}`
  let version = 1
  const stages = new Map<string, SecretRecord>()
  const publish = () => {
    const previous = stages.get('ACSCurrent')
    if (previous) stages.set('ACSPrevious', { ...previous, versionStages: ['ACSPrevious'] })
    stages.set('ACSCurrent', {
      secretName,
      versionId: `v${version}`,
      secretValue: JSON.stringify({ AccountName: account, AccountPassword: password }),
      versionStages: ['ACSCurrent'],
    })
  }
  publish()
  let fetches = 0
  const client = new SecretCacheClient({
    fetcher: {
      async fetchSecret(request: FetchSecretRequest) {
        fetches += 1
        if (fetchDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, fetchDelayMs))
        const found = stages.get(request.versionStage)
        if (!found)
          throw Object.assign(new Error('not found'), { code: 'Forbidden.ResourceNotFound' })
        return found
      },
    },
    minRefreshIntervalMs: 100,
    retry: { maxAttempts: 1 },
  })
  return {
    maria,
    account,
    database,
    secretName,
    client,
    fetches: () => fetches,
    password: () => password,
    async rotate() {
      password = randomPassword()
      version += 1
      await maria.query("ALTER USER ?@'%' IDENTIFIED BY ?", [account, password])
      publish()
    },
    rotateSecretOnly() {
      password = randomPassword()
      version += 1
      publish()
    },
    async catchUpDatabase() {
      await maria.query("ALTER USER ?@'%' IDENTIFIED BY ?", [account, password])
    },
    options: () => ({
      secretName,
      secretClient: client,
      host: maria.host,
      port: maria.port,
      database,
    }),
    async cleanup() {
      await client.close()
      await maria.cleanup()
    },
  }
}

/**
 * `describeWithServer` for the local MariaDB, with a fresh {@link rotatingAccount} for every test
 * (given to `use`, cleaned up after the test).
 */
export async function describeWithRotatingAccount(
  title: string,
  label: string,
  use: (account: RotatingAccount) => void,
  body: () => void,
): Promise<void> {
  await describeWithServer('MariaDB at 127.0.0.1:3306', probeMariaDb, title, () => {
    let account: RotatingAccount | undefined
    beforeEach(async () => {
      account = await rotatingAccount(label)
      use(account)
    })
    afterEach(() => account?.cleanup())
    body()
  })
}
