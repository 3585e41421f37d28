import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { probeEmbeddedPostgres, requireServer } from '@org/test-support'
import { afterAll, describe, expect, it } from 'vitest'

const packageDir = fileURLToPath(new URL('..', import.meta.url))
const postgres = await requireServer('embedded PostgreSQL', probeEmbeddedPostgres)
const dirs: string[] = []
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

interface Run {
  child: ChildProcess
  done: Promise<{ code: number | null; stdout: string; stderr: string }>
  stdout(): string
}

/**
 * The demo's command line as `pnpm demo` runs it: tsx, in this package, `INIT_CWD` the directory
 * the command was typed in (where the report goes); not a TTY.
 */
function demo(args: string[], typedIn = packageDir): Run {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(packageDir, 'src/cli.ts'), ...args],
    {
      cwd: packageDir,
      env: { ...process.env, INIT_CWD: typedIn },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk) => {
    stdout += chunk
  })
  child.stderr?.on('data', (chunk) => {
    stderr += chunk
  })
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  )
  return { child, done, stdout: () => stdout }
}

describe('the demo command line', () => {
  it('--help explains every option and exits 0', async () => {
    const { code, stdout } = await demo(['--help']).done
    expect(code).toBe(0)
    for (const option of [
      '--db',
      '--duration',
      '--workers',
      '--rotation-interval',
      '--report-dir',
    ]) {
      expect(stdout).toContain(option)
    }
  })

  it.each([
    [['--db', 'oracle'], /--db must be one of postgres, mariadb, mysql, got "oracle"/],
    [['--duration', '0'], /--duration must be a positive whole number, got "0"/],
    [['--workers', 'many'], /--workers must be a positive whole number/],
    [['--rotation-interval', '1.5'], /--rotation-interval must be a positive whole number/],
    [['--bogus'], /Unknown option '--bogus'/],
  ])('%j is refused with a message and the usage, exit 2', async (args, message) => {
    const { code, stderr } = await demo(args).done
    expect(code).toBe(2)
    expect(stderr).toMatch(message)
    expect(stderr).toContain('Usage: pnpm demo')
  })

  it.skipIf(!postgres)(
    'Ctrl-C stops a run cleanly: report written, exit 130',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'demo-cli-'))
      dirs.push(dir)
      const run = demo(['--duration', '120', '--rotation-interval', '2'], dir)
      // Interrupted once the workers run (the first progress line).
      const deadline = Date.now() + 60_000
      while (!/queries/.test(run.stdout()) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      run.child.kill('SIGINT')
      const { code, stdout, stderr } = await run.done
      expect(code).toBe(130)
      expect(stderr).toContain('Stopping: cleaning up')
      expect(stdout).toContain('Stopped early')
      const html = await readFile(
        join(dir, 'rotation-demo-report', 'rotation-demo-report.html'),
        'utf8',
      )
      expect(html).toContain('<svg')
    },
    90_000,
  )
})
