import { emulatorEnvironment } from '../emulator-environment.js'
import { KmsEmulatorError } from '../errors.js'
import { type KmsEmulator, startKmsEmulator } from '../kms-emulator.js'
import type { EmulatorLogger } from '../logger.js'
import { CLI_USAGE, parseCliArgs } from './cli-args.js'
import { shellExports } from './shell-exports.js'
import { writePrivateFile } from './write-private-file.js'

/** Where the CLI writes and which process it controls; injectable for tests. */
export interface CliIo {
  stdout(line: string): void
  stderr(line: string): void
  /** Registers the shutdown handler for SIGINT/SIGTERM. */
  onSignal(handler: (signal: string) => void): void
  version: string
}

/**
 * Runs `kms-emulator`. Resolves with the exit code for `--help`/`--version`/errors, or with the
 * running emulator (the caller waits for a signal).
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
): Promise<{ exitCode: number } | { emulator: KmsEmulator; closed: Promise<number> }> {
  let command: ReturnType<typeof parseCliArgs>
  try {
    command = parseCliArgs(argv)
  } catch (err) {
    io.stderr(`kms-emulator: ${err instanceof Error ? err.message : String(err)}`)
    io.stderr('Run kms-emulator --help for the options.')
    return { exitCode: 2 }
  }
  if (command.kind === 'help') {
    io.stdout(CLI_USAGE)
    return { exitCode: 0 }
  }
  if (command.kind === 'version') {
    io.stdout(io.version)
    return { exitCode: 0 }
  }
  const logger: EmulatorLogger = command.verbose
    ? {
        info: (m, f) => io.stderr(`[info] ${m} ${f ? JSON.stringify(f) : ''}`.trimEnd()),
        warn: (m, f) => io.stderr(`[warn] ${m} ${f ? JSON.stringify(f) : ''}`.trimEnd()),
        error: (m, f) => io.stderr(`[error] ${m} ${f ? JSON.stringify(f) : ''}`.trimEnd()),
      }
    : {
        warn: (m, f) => io.stderr(`[warn] ${m} ${f ? JSON.stringify(f) : ''}`.trimEnd()),
        error: (m, f) => io.stderr(`[error] ${m} ${f ? JSON.stringify(f) : ''}`.trimEnd()),
      }
  let emulator: KmsEmulator
  try {
    emulator = await startKmsEmulator({ ...command.options, logger })
  } catch (err) {
    const code = err instanceof KmsEmulatorError ? ` (${err.code})` : ''
    io.stderr(`kms-emulator: ${err instanceof Error ? err.message : String(err)}${code}`)
    return { exitCode: 2 }
  }
  // Handled from here on: whoever reads the lines below and signals at once gets a clean close.
  const closed = new Promise<number>((resolve) => {
    io.onSignal((signal) => {
      io.stdout(`received ${signal}, closing`)
      emulator.close().then(
        () => resolve(0),
        () => resolve(1),
      )
    })
  })
  io.stdout(`kms-emulator listening on ${emulator.endpoint} (region ${emulator.regionId})`)
  io.stdout(`access key id: ${emulator.accessKeyId}`)
  if (command.printCredentials) io.stdout(`access key secret: ${emulator.accessKeySecret}`)
  if (command.printEnv)
    for (const line of shellExports(emulatorEnvironment(emulator))) io.stdout(line)
  if (command.credentialsFile) {
    const content = {
      endpoint: emulator.endpoint,
      regionId: emulator.regionId,
      accessKeyId: emulator.accessKeyId,
      accessKeySecret: emulator.accessKeySecret,
    }
    try {
      writePrivateFile(command.credentialsFile, `${JSON.stringify(content, null, 2)}\n`)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException | null)?.code
      io.stderr(
        `kms-emulator: cannot write the credentials file ${command.credentialsFile}${typeof code === 'string' ? ` (${code})` : ''}`,
      )
      // Nobody could use an emulator whose credentials were not delivered: stop it.
      await emulator.close().catch(() => undefined)
      return { exitCode: 1 }
    }
    io.stdout(`credentials written to ${command.credentialsFile}`)
  }
  io.stdout(`admin endpoint: ${emulator.endpoint}/__emulator/ (loopback only)`)
  return { emulator, closed }
}
