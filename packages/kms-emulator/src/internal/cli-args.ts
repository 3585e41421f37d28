import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { KmsEmulatorError } from '../errors.js'
import type { KmsEmulatorOptions } from '../kms-emulator-options.js'

/** `kms-emulator --help`. */
export const CLI_USAGE = `Usage: kms-emulator [options]

A local Alibaba Cloud KMS Secrets Manager (API 2016-01-20) for the official SDKs.

Options:
  --host <address>          Interface to bind (default 127.0.0.1; only loopback unless you ask)
  --port <number>           Port to bind (default 0: a free port, printed on start)
  --region <id>             Region id the emulator answers for (default cn-hangzhou)
  --config <file>           JSON file with startKmsEmulator options:
                              accessKeys    [{ "accessKeyId", "accessKeySecret", "securityToken"? }]
                              databases     { "<DBInstanceId>": { "engine": "mariadb"|"mysql"|"postgresql"|"sqlserver",
                                              "host", "port", "user", "password", "database" } }
                              secrets       [{ "name", "value" } | { "name", "rds": { "instanceId",
                                              "subType", "accountName", "accountPassword",
                                              "createAccount"?, "databases"?: [{ "name",
                                              "privilege"? }] }, "rotationInterval"? }]
                                            An imported account must exist and accept its
                                            password (checked at start); "createAccount": true
                                            creates it.
                              regionId, accountId, host, port, stateFile,
                              allowShortRotationInterval, schedulerIntervalMs, maxAuditEntries,
                              closeTimeoutMs
                            Command-line flags override the file.
  --state <file>            Persist secrets to this JSON file (written atomically, mode 0600)
                            and reload them on the next start
  --allow-short-rotation    Accept rotation intervals below the real 6-hour minimum (e.g. 1s)
  --print-credentials       Also print the access key secret (default: only the access key id)
  --print-env               Print the environment for SecretCacheClient.fromEnv() (and every
                            driver's default client) as shell exports, to paste into the shell
                            that starts your app
  --credentials-file <file> Write {"endpoint","regionId","accessKeyId","accessKeySecret"} to this
                            file (mode 0600) once listening
  --verbose                 Log emulator events (never secret values) to stderr
  -h, --help                Show this help
  -v, --version             Show the version

Without accessKeys in --config a random key pair is generated on every start.
The admin endpoint /__emulator/ (faults, audit, counters, tick) answers loopback callers only,
with a loopback Host header and the header X-Kms-Emulator-Admin: 1.
SIGINT and SIGTERM close the server cleanly.

Example:
  kms-emulator --port 8400 --config emulator.json --state .kms-state.json
`

const CONFIG_KEYS = new Set([
  'accessKeys',
  'databases',
  'secrets',
  'regionId',
  'accountId',
  'host',
  'port',
  'stateFile',
  'allowShortRotationInterval',
  'schedulerIntervalMs',
  'maxAuditEntries',
  'closeTimeoutMs',
])

/** What the command line asks for. */
export type CliCommand =
  | { kind: 'help' }
  | { kind: 'version' }
  | {
      kind: 'run'
      options: KmsEmulatorOptions
      printCredentials: boolean
      printEnv: boolean
      credentialsFile: string | undefined
      verbose: boolean
    }

function invalid(message: string): KmsEmulatorError {
  return new KmsEmulatorError('INVALID_OPTIONS', message)
}

/** Reads a `--config` file: JSON with only the documented keys. */
export function readConfigFile(path: string): KmsEmulatorOptions {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (cause) {
    throw new KmsEmulatorError('INVALID_OPTIONS', `Cannot read --config ${path} as JSON`, { cause })
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalid(`--config ${path} must hold a JSON object`)
  }
  for (const key of Object.keys(parsed)) {
    if (!CONFIG_KEYS.has(key)) throw invalid(`--config ${path}: unknown key "${key}"`)
  }
  return parsed as KmsEmulatorOptions
}

/** Parses `kms-emulator` arguments; throws `INVALID_OPTIONS` for anything it does not know. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  let values: Record<string, string | boolean | undefined>
  try {
    ;({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        region: { type: 'string' },
        config: { type: 'string' },
        state: { type: 'string' },
        'allow-short-rotation': { type: 'boolean' },
        'print-credentials': { type: 'boolean' },
        'print-env': { type: 'boolean' },
        'credentials-file': { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    }))
  } catch (cause) {
    throw new KmsEmulatorError(
      'INVALID_OPTIONS',
      cause instanceof Error ? cause.message : 'invalid arguments',
      { cause },
    )
  }
  if (values.help) return { kind: 'help' }
  if (values.version) return { kind: 'version' }
  const options: KmsEmulatorOptions =
    typeof values.config === 'string' ? readConfigFile(values.config) : {}
  if (typeof values.host === 'string') options.host = values.host
  if (typeof values.port === 'string') {
    if (!/^\d+$/.test(values.port)) throw invalid('--port must be a number')
    options.port = Number(values.port)
  }
  if (typeof values.region === 'string') options.regionId = values.region
  if (typeof values.state === 'string') options.stateFile = values.state
  if (values['allow-short-rotation']) options.allowShortRotationInterval = true
  return {
    kind: 'run',
    options,
    printCredentials: values['print-credentials'] === true,
    printEnv: values['print-env'] === true,
    credentialsFile:
      typeof values['credentials-file'] === 'string' ? values['credentials-file'] : undefined,
    verbose: values.verbose === true,
  }
}
