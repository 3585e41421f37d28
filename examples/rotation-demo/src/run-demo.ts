import { startKmsEmulator } from '@org/kms-emulator'
import { SecretCacheClient } from '@org/secret-client'
import mysql from '@org/secret-mysql/promise'
import adminDriver from 'mysql2/promise'

/** Where the demo's MariaDB is; the admin account creates and rotates the demo account. */
export interface DemoOptions {
  /** @default '127.0.0.1' */
  host?: string
  /** @default 3306 */
  port?: number
  /** @default 'root' */
  adminUser?: string
  /** @default '' */
  adminPassword?: string
  /** How long to run. @default 12000 */
  durationMs?: number
  /** Rotation interval of the secret (emulator-only short intervals). @default '3s' */
  rotationInterval?: string
  /** Concurrent query loops. @default 8 */
  workers?: number
  /** Progress lines; never receives a password. @default console.log */
  log?: (line: string) => void
}

/** What the demo observed. */
export interface DemoReport {
  queries: number
  failedQueries: number
  /** Database users the queries ran as, in order of first appearance (`demo_x`, `demo_x_clone`). */
  usersSeen: string[]
  rotations: number
  getSecretValueCalls: number
}

/**
 * Starts the KMS emulator bound to a MariaDB server, creates a dual-account Rds secret (the
 * emulator creates the account and its database, like "Create account" in the console), turns on
 * automatic rotation every few seconds, and runs query loops through an `@org/secret-mysql` pool
 * until `durationMs` is over. Everything it created is dropped at the end.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoReport> {
  const host = options.host ?? '127.0.0.1'
  const port = options.port ?? 3306
  const log = options.log ?? console.log
  const suffix = Math.random().toString(36).slice(2, 8)
  const account = `demo_${suffix}`
  const database = `demo_shop_${suffix}`
  const secretName = `demo/${account}`

  const emulator = await startKmsEmulator({
    allowShortRotationInterval: true,
    schedulerIntervalMs: 250,
    databases: {
      'rm-demo': {
        engine: 'mariadb',
        host,
        port,
        user: options.adminUser ?? 'root',
        password: options.adminPassword ?? '',
      },
    },
  })
  const secrets = new SecretCacheClient({
    endpoint: emulator.endpoint,
    regionId: emulator.regionId,
    credential: { accessKeyId: emulator.accessKeyId, accessKeySecret: emulator.accessKeySecret },
    // Shorter than the rotation interval, so new connections move to the new ACSCurrent account on
    // their own; with a long TTL they would keep using the previous account (still valid under
    // dual-account rotation) until its password is reset, then recover through one auth failure.
    ttlMs: 1_000,
    minRefreshIntervalMs: 200,
  })
  let pool: ReturnType<typeof mysql.createPool> | undefined
  try {
    await emulator.call('CreateSecret', {
      SecretName: secretName,
      SecretType: 'Rds',
      VersionId: 'v1',
      SecretData: JSON.stringify({ Accounts: [{ AccountName: account }] }),
      ExtendedConfig: JSON.stringify({
        DBInstanceId: 'rm-demo',
        SecretSubType: 'DoubleUsers',
        CreateAccount: true,
        Databases: [{ DBName: database, Privilege: 'ReadWrite' }],
      }),
      EnableAutomaticRotation: 'true',
      RotationInterval: options.rotationInterval ?? '3s',
    })
    log(`secret ${secretName}: dual-account, rotating every ${options.rotationInterval ?? '3s'}`)

    pool = mysql.createPool({
      secretName,
      secretClient: secrets,
      host,
      port,
      database,
      connectionLimit: 4,
      maxIdle: 0, // every query checks out a connection that may be brand new: worst case
      idleTimeout: 200,
    })
    const report: DemoReport = {
      queries: 0,
      failedQueries: 0,
      usersSeen: [],
      rotations: 0,
      getSecretValueCalls: 0,
    }
    const until = Date.now() + (options.durationMs ?? 12_000)
    const worker = async (): Promise<void> => {
      while (Date.now() < until) {
        try {
          const [rows] = await pool!.query('SELECT CURRENT_USER() AS me')
          const me = String((rows as Array<{ me: string }>)[0]?.me).split('@')[0] ?? ''
          report.queries += 1
          if (!report.usersSeen.includes(me)) {
            report.usersSeen.push(me)
            log(`now connecting as ${me}`)
          }
        } catch (err) {
          report.failedQueries += 1
          log(`query failed: ${(err as Error).name} ${(err as { code?: string }).code ?? ''}`)
        }
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    }
    await Promise.all(Array.from({ length: options.workers ?? 8 }, worker))
    report.rotations = (await versionCount(emulator, secretName)) - 1
    report.getSecretValueCalls = emulator.counters('GetSecretValue').calls
    log(
      `${report.rotations} rotations, ${report.queries} queries, ${report.failedQueries} failed, ` +
        `users ${report.usersSeen.join(' → ')}, ${report.getSecretValueCalls} GetSecretValue calls`,
    )
    return report
  } finally {
    await pool?.end()
    await secrets.close()
    await emulator.close()
    await dropDemoObjects({ host, port, options, account, database })
  }
}

/** Versions of the secret, deprecated ones included: every rotation adds one. */
async function versionCount(
  emulator: Awaited<ReturnType<typeof startKmsEmulator>>,
  secretName: string,
): Promise<number> {
  const listed = await emulator.call('ListSecretVersionIds', {
    SecretName: secretName,
    IncludeDeprecated: 'true',
    PageSize: '100',
  })
  return Number(listed.TotalCount)
}

async function dropDemoObjects(args: {
  host: string
  port: number
  options: DemoOptions
  account: string
  database: string
}): Promise<void> {
  const admin = await adminDriver.createConnection({
    host: args.host,
    port: args.port,
    user: args.options.adminUser ?? 'root',
    password: args.options.adminPassword ?? '',
  })
  try {
    await admin.query(`DROP USER IF EXISTS ?@'%', ?@'%'`, [args.account, `${args.account}_clone`])
    await admin.query(`DROP DATABASE IF EXISTS \`${args.database}\``)
  } finally {
    await admin.end()
  }
}
