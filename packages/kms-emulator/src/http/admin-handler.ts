import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AuditLog } from '../audit/audit-log.js'
import { KmsApiError, KmsEmulatorError } from '../errors.js'
import type { FaultInjector } from '../faults/fault-injector.js'
import type { FaultRule, RotationFaultRule } from '../faults/fault-rule.js'
import { isLoopback } from './is-loopback.js'
import { readBody } from './read-body.js'
import { sendJson } from './send-json.js'

/** Path prefix of the admin endpoint. */
export const ADMIN_PREFIX = '/__emulator/'

/**
 * Header every admin request must carry with the value `1`. A web page can only send a custom
 * header after a CORS preflight, which the endpoint never answers positively.
 */
export const ADMIN_HEADER = 'x-kms-emulator-admin'

/** What the admin endpoint can reach. */
export interface AdminDeps {
  faults: FaultInjector
  audit: AuditLog
  tick(): Promise<void>
  rotateSecret(name: string): Promise<{ versionId: string }>
  checkSecretAccount(name: string): Promise<Record<string, unknown>>
  info(): Record<string, unknown>
  /** The port the server listens on, which the `Host` header must name. */
  port(): number
}

function forbidden(why: string): KmsApiError {
  return new KmsApiError('Forbidden.NoPermission', 403, `The emulator admin endpoint ${why}`)
}

/**
 * Whether `Host` names the loopback interface and the emulator's port. A DNS-rebinding page
 * reaches 127.0.0.1 under its own host name, which this rejects.
 */
function isLoopbackHost(host: string | undefined, port: number): boolean {
  if (!host) return false
  const h = host.toLowerCase()
  return h === `127.0.0.1:${port}` || h === `localhost:${port}` || h === `[::1]:${port}`
}

/**
 * Rejects what a web page could send without a preflight: a body must be `application/json`
 * (the CORS "simple" types text/plain, form and multipart are refused).
 */
function assertJsonBody(req: IncomingMessage): void {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0')
  const type = req.headers['content-type']
  if (type === undefined && !hasBody) return
  if (!type?.toLowerCase().startsWith('application/json')) {
    throw new KmsApiError(
      'UnsupportedMediaType',
      415,
      'The emulator admin endpoint only accepts application/json bodies.',
    )
  }
}

function notFound(): KmsEmulatorError {
  return new KmsApiError('InvalidAction.NotFound', 404, 'Unknown emulator admin path.')
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req)
  try {
    return JSON.parse(body.toString('utf8') || '{}')
  } catch {
    throw new KmsEmulatorError('INVALID_OPTIONS', 'The request body is not valid JSON.')
  }
}

/**
 * The loopback-only admin endpoint (`/__emulator/...`): faults, audit, counters, scheduler tick,
 * direct rotation and account check. Callers from other addresses get 403 even when the server
 * listens beyond loopback. It needs no signature: reaching loopback is the credential, and so
 * that a web page in a local browser cannot use it, every request needs the
 * {@link ADMIN_HEADER} header and a loopback `Host` header, and bodies must be JSON.
 */
export async function handleAdminRequest(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: AdminDeps,
): Promise<void> {
  try {
    if (!isLoopback(req.socket.remoteAddress)) {
      throw forbidden('only answers loopback callers.')
    }
    const method = (req.method ?? 'GET').toUpperCase()
    // A CORS preflight is refused (no Access-Control-* headers), so browsers never send the call.
    if (method === 'OPTIONS') throw forbidden('does not answer cross-origin requests.')
    if (!isLoopbackHost(req.headers.host, deps.port())) {
      throw forbidden(
        `requires a Host header of 127.0.0.1, localhost or [::1] with port ${deps.port()}.`,
      )
    }
    if (req.headers[ADMIN_HEADER] !== '1') {
      throw forbidden(`requires the header X-Kms-Emulator-Admin: 1.`)
    }
    assertJsonBody(req)
    const path = url.pathname.slice(ADMIN_PREFIX.length).replace(/\/+$/, '')
    const route = `${method} ${path}`
    if (route === 'GET health') return sendJson(res, 200, deps.info())
    if (route === 'GET audit') return sendJson(res, 200, { entries: deps.audit.list() })
    if (route === 'GET counters') {
      const action = url.searchParams.get('action')
      return sendJson(res, 200, action ? deps.audit.countersFor(action) : deps.audit.allCounters())
    }
    if (route === 'POST counters/reset') {
      deps.audit.reset()
      return sendJson(res, 200, { reset: true })
    }
    if (route === 'GET faults') return sendJson(res, 200, { faults: deps.faults.list() })
    if (route === 'DELETE faults') {
      deps.faults.clear()
      return sendJson(res, 200, { cleared: true })
    }
    if (route === 'POST faults') {
      const body = (await readJson(req)) as { rotation?: RotationFaultRule } & FaultRule
      const id =
        body && typeof body === 'object' && body.rotation !== undefined
          ? deps.faults.injectRotation(body.rotation)
          : deps.faults.inject(body)
      return sendJson(res, 200, { id })
    }
    if (route === 'POST tick') {
      await deps.tick()
      return sendJson(res, 200, { ticked: true })
    }
    const secretRoute = /^(GET|POST) secrets\/(.+)\/(rotate|check)$/.exec(route)
    if (secretRoute) {
      const name = decodeURIComponent(secretRoute[2] as string)
      if (secretRoute[1] === 'POST' && secretRoute[3] === 'rotate') {
        const { versionId } = await deps.rotateSecret(name)
        return sendJson(res, 200, { SecretName: name, VersionId: versionId })
      }
      if (secretRoute[1] === 'GET' && secretRoute[3] === 'check') {
        return sendJson(res, 200, await deps.checkSecretAccount(name))
      }
    }
    throw notFound()
  } catch (err) {
    const status =
      err instanceof KmsApiError ? err.httpStatus : err instanceof KmsEmulatorError ? 400 : 500
    const code = err instanceof KmsEmulatorError ? err.code : 'InternalFailure'
    const message = err instanceof KmsEmulatorError ? err.message : 'Internal Failure'
    sendJson(res, status, { Code: code, Message: message })
  }
}
