import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { AuditLog } from '../audit/audit-log.js'
import type { Authenticator } from '../auth/authenticator.js'
import { KmsApiError } from '../errors.js'
import type { FaultInjector } from '../faults/fault-injector.js'
import { FAULT_ERRORS } from '../faults/fault-rule.js'
import { missingParameter } from '../internal/api-errors.js'
import { safeErrorFields } from '../internal/safe-error-fields.js'
import type { EmulatorLogger } from '../logger.js'
import type { OperationContext } from '../operations/operation-context.js'
import { OPERATIONS } from '../operations/operation-table.js'
import { parseForm, readBody } from './read-body.js'
import { sendJson } from './send-json.js'
import type { TrackedDelays } from './tracked-delays.js'

/** The only API version the emulator speaks. */
export const API_VERSION = '2016-01-20'

/** Dependencies of {@link handleApiRequest}. */
export interface ApiHandlerDeps {
  authenticator: Authenticator
  faults: FaultInjector
  audit: AuditLog
  context: OperationContext
  delays: TrackedDelays
  logger: EmulatorLogger
  isClosing(): boolean
  /** Registers a running operation so close() waits for it. */
  track<T>(result: T | Promise<T>): Promise<T>
}

function errorBody(err: KmsApiError, requestId: string, host: string): Record<string, unknown> {
  return {
    RequestId: requestId,
    HostId: host,
    Code: err.code,
    Message: err.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(err.code)}&product=Kms`,
  }
}

/**
 * Serves one KMS API request: authentication, action lookup, faults, the operation, the response
 * and the audit entry. Every failure becomes a KMS error body; nothing escapes as a crash.
 */
export async function handleApiRequest(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: ApiHandlerDeps,
): Promise<void> {
  const started = performance.now()
  const time = Date.now()
  const requestId = randomUUID().toUpperCase()
  const host = typeof req.headers.host === 'string' ? req.headers.host : 'kms.emulator'
  let action: string | undefined
  let secretName: string | undefined
  let accessKeyId: string | undefined
  let faultId: number | undefined
  const finish = (code: string, httpStatus: number) =>
    deps.audit.record({
      time,
      requestId,
      action,
      secretName,
      accessKeyId,
      code,
      httpStatus,
      latencyMs: Math.round((performance.now() - started) * 1000) / 1000,
      ...(faultId !== undefined ? { faultId } : {}),
    })

  try {
    const method = (req.method ?? 'GET').toUpperCase()
    if (method !== 'GET' && method !== 'POST') {
      throw new KmsApiError('UnsupportedHTTPMethod', 405, `HTTP method ${method} is not supported.`)
    }
    const body = await readBody(req)
    const query = Object.fromEntries(url.searchParams)
    const form = parseForm(req.headers['content-type'], body)
    const params: Record<string, string> = { ...query, ...form }
    action = params.Action
    secretName = params.SecretName
    const caller = deps.authenticator.authenticate({
      method,
      pathname: url.pathname,
      query,
      form,
      headers: req.headers,
      body,
    })
    accessKeyId = caller.accessKeyId
    action ??= caller.action
    if (!action) throw missingParameter('Action')
    const version = params.Version ?? caller.version
    if (!version) throw missingParameter('Version')
    if (version !== API_VERSION) {
      throw new KmsApiError('InvalidVersion', 400, 'Specified parameter Version is not valid.')
    }
    const operation = Object.hasOwn(OPERATIONS, action) ? OPERATIONS[action] : undefined
    if (!operation) {
      throw new KmsApiError(
        'InvalidAction.NotFound',
        404,
        'Specified api is not found, please check your url and method.',
      )
    }

    const effect = deps.faults.matchCall(action, secretName)
    if (effect) {
      faultId = effect.ruleId
      if (effect.latencyMs > 0) await deps.delays.wait(effect.latencyMs)
      if (effect.outcome === 'hang') await deps.faults.waitWhileHung()
      if (effect.outcome === 'reset') {
        req.socket.destroy()
        finish('ConnectionReset', 0)
        return
      }
      if (effect.outcome === 'error' && effect.error) {
        const spec = FAULT_ERRORS[effect.error]
        throw new KmsApiError(effect.error, spec.status, spec.message)
      }
    }

    // A request that arrives (or resumes after a fault delay) while closing is not started.
    if (deps.isClosing()) {
      req.socket.destroy()
      finish('ConnectionReset', 0)
      return
    }
    const result = await deps.track(operation(params, deps.context))
    sendJson(res, 200, { RequestId: requestId, ...result }, { 'x-acs-request-id': requestId })
    finish('OK', 200)
  } catch (err) {
    let apiError: KmsApiError
    if (err instanceof KmsApiError) {
      apiError = err
    } else {
      deps.logger.error?.('unexpected error while serving a request', {
        requestId,
        action,
        ...safeErrorFields(err),
      })
      apiError = new KmsApiError('InternalFailure', 500, 'Internal Failure')
    }
    const headers: Record<string, string> = { 'x-acs-request-id': requestId }
    if (apiError.code === 'Rejected.Throttling') headers['x-acs-retry-after'] = '1000'
    sendJson(res, apiError.httpStatus, errorBody(apiError, requestId, host), headers)
    finish(apiError.code, apiError.httpStatus)
  }
}
