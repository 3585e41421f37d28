// Runs one example program against the KMS emulator: the database it needs (the local MariaDB
// service, an embedded PostgreSQL, or the test-only TDS server for SQL Server), a single-account
// secret whose account the emulator creates, the environment that points the driver package's
// default secret client at the emulator, and a rotation every second while the program runs: the
// password changes under the program, whose next login fails once, re-reads the secret and
// succeeds.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { emulatorEnvironment, startKmsEmulator } from '@org/kms-emulator'
import { mariadb, startPostgres, startTdsServer } from '@org/test-support'

/** The example programs, by name: `src/<name>.ts`. */
export const EXAMPLES = ['mysql', 'mariadb', 'pg', 'tedious', 'mssql', 'knex'] as const

type ExampleName = (typeof EXAMPLES)[number]

interface Database {
  emulatorDatabase: Record<string, unknown>
  host: string
  port: number
  close(account: string, database: string): Promise<void>
}

async function openDatabase(example: ExampleName): Promise<Database> {
  if (example === 'pg') {
    const server = await startPostgres()
    return {
      emulatorDatabase: {
        engine: 'postgresql',
        host: server.host,
        port: server.port,
        user: server.adminUser,
        password: server.adminPassword,
      },
      host: server.host,
      port: server.port,
      // The whole cluster goes with its data directory.
      close: () => server.stop(),
    }
  }
  if (example === 'tedious' || example === 'mssql') {
    const server = await startTdsServer()
    return {
      emulatorDatabase: {
        engine: 'sqlserver',
        host: server.host,
        port: server.port,
        user: server.adminLogin,
        password: server.adminPassword,
      },
      host: server.host,
      port: server.port,
      close: () => server.close(),
    }
  }
  const admin = mariadb()
  await admin.admin()
  return {
    emulatorDatabase: {
      engine: 'mariadb',
      host: admin.host,
      port: admin.port,
      user: admin.adminUser,
      password: admin.adminPassword,
    },
    host: admin.host,
    port: admin.port,
    async close(account, database) {
      try {
        await admin.query(`DROP USER IF EXISTS ?@'%', ?@'%'`, [account, `${account}_clone`])
        await admin.query(`DROP DATABASE IF EXISTS \`${database}\``)
      } finally {
        await admin.cleanup()
      }
    },
  }
}

/** Options of {@link runExample}. */
export interface RunExampleOptions {
  /** Query rounds of the program (500 ms apart). @default 5 */
  rounds?: number
  /** Where the harness's and the program's output go. @default process.stdout */
  write?: (text: string) => void
}

/**
 * Runs `src/<example>.ts` while the secret rotates; resolves with its exit code and the number of
 * rotations that completed while it ran.
 */
export async function runExample(
  example: ExampleName,
  { rounds = 5, write = (text) => process.stdout.write(text) }: RunExampleOptions = {},
): Promise<{ code: number; rotations: number }> {
  const console = { log: (line: string) => write(`${line}\n`) }
  const suffix = randomBytes(4).toString('hex')
  const account = `example_${suffix}`
  const database = `example_${suffix}`
  const secretName = `examples/${example}`
  const db = await openDatabase(example)
  const emulator = await startKmsEmulator({
    databases: { 'example-db': db.emulatorDatabase as never },
  })
  let rotations = 0
  let rotating: Promise<unknown> = Promise.resolve()
  let timer: NodeJS.Timeout | undefined
  try {
    await emulator.call('CreateSecret', {
      SecretName: secretName,
      SecretType: 'Rds',
      SecretData: JSON.stringify({ Accounts: [{ AccountName: account }] }),
      ExtendedConfig: JSON.stringify({
        DBInstanceId: 'example-db',
        SecretSubType: 'SingleUser',
        CreateAccount: true,
        Databases: [{ DBName: database, Privilege: 'ReadWrite' }],
      }),
    })
    console.log(`${secretName}: account ${account} on ${db.host}:${db.port}, rotating every 1 s`)
    timer = setInterval(() => {
      rotating = emulator.rotateSecret(secretName).then(() => rotations++)
    }, 1_000)
    const program = fileURLToPath(new URL(`./${example}.ts`, import.meta.url))
    const child = spawn(process.execPath, ['--import', 'tsx', program], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ...emulatorEnvironment(emulator),
        SECRET_NAME: secretName,
        DB_HOST: db.host,
        DB_PORT: String(db.port),
        DB_NAME: database,
        EXAMPLE_ROUNDS: String(rounds),
      },
    })
    child.stdout.on('data', (chunk: Buffer) => write(chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => write(chunk.toString()))
    const code = await new Promise<number>((resolve) => {
      child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)))
    })
    clearInterval(timer)
    await rotating
    console.log(`${example} exited ${code} after ${rotations} rotations`)
    return { code, rotations }
  } finally {
    clearInterval(timer)
    await rotating.catch(() => undefined)
    await emulator.close()
    await db.close(account, database)
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const example = process.argv[2] as ExampleName
  if (!EXAMPLES.includes(example)) {
    console.error(`usage: pnpm example <${EXAMPLES.join('|')}>`)
    process.exit(2)
  }
  runExample(example).then(
    ({ code }) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err)
      process.exit(1)
    },
  )
}
