import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describeWithServer, mariadb, probeMariaDb } from '@org/test-support'
import { afterAll, beforeAll, expect, it } from 'vitest'

// Every code block of the README, run as written: the TypeScript ones as modules of a user's
// project (through tsx, importing the built package by its name), the shell ones through bash
// with the package's bin, against the real MariaDB the README's config names. The fixed names
// of the README (port 8400, accounts app/orders, database shop) are dropped before and after.

const packageDir = fileURLToPath(new URL('..', import.meta.url))
const bin = join(packageDir, 'bin', 'kms-emulator.js')
const readme = readFileSync(join(packageDir, 'README.md'), 'utf8')
const run = promisify(execFile)

interface Block {
  lang: string
  code: string
}

function codeBlocks(markdown: string): Block[] {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
    lang: m[1] as string,
    code: m[2] as string,
  }))
}

const blocks = codeBlocks(readme)
const block = (lang: string, firstLine: string): string => {
  const found = blocks.filter((b) => b.lang === lang && b.code.startsWith(firstLine))
  expect(found, `one ${lang} block starting with ${firstLine}`).toHaveLength(1)
  return (found[0] as Block).code
}

// The README's blocks, in order: a new block fails here until this file runs it too.
const EXPECTED = [
  ['sh', 'pnpm add -D @org/kms-emulator'], // the install: the pack-check package installs the tarball
  ['ts', '// An ES module run by Node (or tsx).'],
  ['sh', 'kms-emulator --port 8400 --config emulator.json --state .kms-state.json'],
  ['sh', 'kms-emulator --port 8400 --config emulator.json --print-env'],
  ['json', '{'],
  ['ts', "import { RuntimeOptions } from '@alicloud/tea-util'"],
  ['ts', "emulator.faults.inject({ action: 'GetSecretValue'"],
  ['sh', "curl -H 'X-Kms-Emulator-Admin: 1'"],
]

const server = mariadb()
let workDir = ''

async function dropReadmeObjects(): Promise<void> {
  for (const user of ['app', 'app_clone', 'orders']) {
    await server.query(`DROP USER IF EXISTS '${user}'@'%', '${user}'@'localhost'`)
  }
  await server.query('DROP DATABASE IF EXISTS shop')
}

/** Runs TypeScript as a module of a project that depends on the package. */
async function runModule(source: string): Promise<string> {
  const file = join(workDir, `example-${Math.random().toString(36).slice(2)}.ts`)
  writeFileSync(file, source)
  const { stdout } = await run(process.execPath, ['--import', 'tsx', file], {
    cwd: packageDir,
    timeout: 30_000,
  })
  return stdout
}

/** The `# ` lines under a shell command: the output the README promises. */
function promisedOutput(code: string): string[] {
  return code
    .split('\n')
    .filter((l) => l.startsWith('# '))
    .map((l) => l.slice(2))
}

function startCli(command: string, cwd: string): { child: ChildProcess; output: Promise<string> } {
  const child = spawn('bash', ['-c', `exec ${command.replace(/^kms-emulator /, `node ${bin} `)}`], {
    cwd,
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d
  })
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d
  })
  const output = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no admin endpoint line: ${stderr}`)), 20_000)
    child.stdout?.on('data', () => {
      if (stdout.includes('admin endpoint:')) {
        clearTimeout(timer)
        resolve(stdout)
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`exited ${code}: ${stderr}`))
    })
  })
  return { child, output }
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  return exited
}

await describeWithServer('MariaDB at 127.0.0.1:3306', probeMariaDb, 'README examples', () => {
  beforeAll(async () => {
    await dropReadmeObjects()
    // Inside the package, where a user's project would resolve the package and the SDK from.
    mkdirSync(join(packageDir, '.readme-run'), { recursive: true })
    workDir = mkdtempSync(join(packageDir, '.readme-run', 'x-'))
  })
  afterAll(async () => {
    await dropReadmeObjects()
    await server.cleanup()
    rmSync(join(packageDir, '.readme-run'), { recursive: true, force: true })
  })

  it('holds exactly the blocks this file runs', () => {
    expect(blocks).toHaveLength(EXPECTED.length)
    EXPECTED.forEach(([lang, first], i) => {
      expect(blocks[i]?.lang).toBe(lang)
      expect(blocks[i]?.code.startsWith(first as string), `block ${i}: ${first}`).toBe(true)
    })
    // What the pack-check package installs under the same name.
    expect(block('sh', 'pnpm add -D')).toContain('@org/kms-emulator')
  })

  it('the SDK example reads the secret and closes', async () => {
    const out = await runModule(
      `${block('ts', '// An ES module run by Node')}\nconsole.log(JSON.stringify({ secretData }))\n`,
    )
    expect(JSON.parse(out.trim())).toEqual({ secretData: 's3cr3t' })
  })

  it('the command line starts from emulator.json as shown, takes the curl fault, persists and stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-readme-'))
    try {
      writeFileSync(join(dir, 'emulator.json'), block('json', '{'))
      const command = block('sh', 'kms-emulator --port 8400 --config emulator.json --state')
      const { child, output } = startCli(command.split('\n')[0] as string, dir)
      const stdout = await output.catch(async (err: unknown) => {
        child.kill('SIGKILL')
        throw err
      })
      try {
        for (const line of promisedOutput(command)) expect(stdout).toContain(line)
        // The account the config creates logs in with the configured password.
        const rows = (await server.query(
          "SELECT COUNT(*) AS n FROM mysql.user WHERE user = 'app'",
        )) as Array<{ n: number }>
        expect(Number(rows[0]?.n)).toBeGreaterThan(0)

        const curl = block('sh', "curl -H 'X-Kms-Emulator-Admin: 1'")
        await run('bash', ['-c', curl], { cwd: dir, timeout: 10_000 })
        const faults = await fetch('http://127.0.0.1:8400/__emulator/faults', {
          headers: { 'X-Kms-Emulator-Admin': '1' },
        })
        expect(JSON.stringify(await faults.json())).toContain('Rejected.Throttling')
      } finally {
        expect(await stop(child)).toBe(0)
      }
      expect(statSync(join(dir, '.kms-state.json')).mode & 0o777).toBe(0o600)
      expect(readFileSync(join(dir, '.kms-state.json'), 'utf8')).toContain('db/app')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('--print-env prints the exports shown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-readme-'))
    try {
      writeFileSync(join(dir, 'emulator.json'), block('json', '{'))
      const command = block('sh', 'kms-emulator --port 8400 --config emulator.json --print-env')
      const { child, output } = startCli(command.split('\n')[0] as string, dir)
      try {
        const stdout = await output
        const promised = promisedOutput(command).filter((l) => l !== '…')
        expect(promised.length).toBeGreaterThan(1)
        for (const line of promised) expect(stdout.split('\n')).toContain(line)
      } finally {
        expect(await stop(child)).toBe(0)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('the same config naming an account that does not exist stops at start with a clear error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-readme-'))
    try {
      const config = JSON.parse(block('json', '{'))
      const secret = config.secrets.find((s: { rds?: unknown }) => s.rds)
      secret.rds.accountName = 'nobody_here'
      delete secret.rds.createAccount
      delete secret.rds.databases
      writeFileSync(join(dir, 'emulator.json'), JSON.stringify(config))
      const failed = await run(
        process.execPath,
        [bin, '--port', '0', '--config', 'emulator.json'],
        {
          cwd: dir,
          timeout: 20_000,
        },
      ).then(
        () => undefined,
        (e: { code?: number; stderr?: string }) => e,
      )
      expect(failed?.code).toBe(2)
      expect(failed?.stderr).toContain('account "nobody_here" on database rm-local does not exist')
      expect(failed?.stderr).toContain('(ACCOUNT_NOT_FOUND)')
      expect(failed?.stderr).not.toContain(secret.rds.accountPassword)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('CreateSecret over the API imports the existing account and rotates it', async () => {
    await server.query("CREATE OR REPLACE USER 'orders'@'%' IDENTIFIED BY 'pw'")
    const config = block('json', '{')
    const out = await runModule(`${SDK_PRELUDE(config)}
${block('ts', 'import { RuntimeOptions }')}
const read = () => emulator.call('GetSecretValue', { SecretName: 'db/orders' })
const before = JSON.parse(String((await read()).SecretData))
const check = await emulator.checkSecretAccount('db/orders')
await emulator.rotateSecret('db/orders')
const after = JSON.parse(String((await read()).SecretData))
const checkAfter = await emulator.checkSecretAccount('db/orders')
await emulator.close()
console.log(JSON.stringify({ account: before.AccountName, check, changed: before.AccountPassword !== after.AccountPassword, checkAfter }))
`)
    const result = JSON.parse(out.trim().split('\n').pop() as string)
    expect(result.account).toBe('orders')
    expect(result.changed).toBe(true)
    expect(JSON.stringify(result.check)).toContain('"LoginSucceeded":true')
    expect(JSON.stringify(result.checkAfter)).toContain('"LoginSucceeded":true')
  })

  it('the fault, audit and counter calls run on an emulator', async () => {
    const out = await runModule(`import { startKmsEmulator } from '@org/kms-emulator'
const emulator = await startKmsEmulator()
${block('ts', 'emulator.faults.inject')}
await emulator.close()
console.log(JSON.stringify(emulator.counters('GetSecretValue')))
`)
    expect(JSON.parse(out.trim())).toMatchObject({ calls: 0 })
  })
})

/**
 * What the API fragment assumes: `client`, the 1.x SDK client of the first example, on an
 * emulator with the README's `databases` (the fragment's imports are hoisted above it).
 */
function SDK_PRELUDE(configJson: string): string {
  return `import kms from '@alicloud/kms20160120'
import { startKmsEmulator } from '@org/kms-emulator'
const Kms = kms.default
const readmeConfig = ${JSON.stringify(JSON.parse(configJson))}
const emulator = await startKmsEmulator({ accessKeys: readmeConfig.accessKeys, databases: readmeConfig.databases })
const client = new Kms({
  accessKeyId: emulator.accessKeyId,
  accessKeySecret: emulator.accessKeySecret,
  protocol: 'HTTP',
  endpoint: \`127.0.0.1:\${emulator.port}\`,
  regionId: emulator.regionId,
})
`
}
