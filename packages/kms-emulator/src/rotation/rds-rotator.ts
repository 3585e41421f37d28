import { randomUUID } from 'node:crypto'
import { KmsApiError } from '../errors.js'
import type { FaultInjector } from '../faults/fault-injector.js'
import {
  internalFailure,
  limitExceeded,
  resourceExists,
  unsupportedOperation,
} from '../internal/api-errors.js'
import { safeErrorFields } from '../internal/safe-error-fields.js'
import { validateVersionId } from '../internal/validation.js'
import type { EmulatorLogger } from '../logger.js'
import { generateDatabasePassword } from '../random-password.js'
import {
  ACS_CURRENT,
  moveStage,
  type SecretRecord,
  type SecretVersionRecord,
  versionWithStage,
} from '../store/secret-record.js'
import type { SecretStore } from '../store/secret-store.js'
import type { EngineRegistry } from './engine-registry.js'

/** Documented limit of manual rotations per secret and hour. */
export const MAX_ROTATIONS_PER_HOUR = 50
const HOUR_MS = 3_600_000
/** First delay before an automatic rotation that failed is tried again (shorter intervals use theirs). */
const AUTOMATIC_RETRY_MS = 60_000
/** Longest delay between retries of a failing automatic rotation; the delay doubles up to it. */
const MAX_AUTOMATIC_RETRY_MS = HOUR_MS

/** Delay before the next try of an automatic rotation that failed `failures` times in a row. */
export function automaticRetryDelayMs(intervalSec: number | undefined, failures: number): number {
  const base = Math.min((intervalSec ?? 60) * 1000, AUTOMATIC_RETRY_MS)
  return Math.min(base * 2 ** Math.min(failures - 1, 30), MAX_AUTOMATIC_RETRY_MS)
}

interface DeferredStep {
  secretName: string
  dueAt: number
  run: () => Promise<void>
}

/** The account and password a secret version of an Rds secret holds. */
export function readAccount(version: SecretVersionRecord): {
  AccountName: string
  AccountPassword: string
} {
  const parsed = JSON.parse(version.data) as { AccountName: string; AccountPassword: string }
  return parsed
}

/**
 * Rotates managed Rds secrets on their database server. SingleUser resets the one password via the
 * admin connection (so an imported wrong password does not matter); DoubleUsers clones the account
 * on the first rotation and afterwards resets the account of the `ACSPrevious` version, so the
 * previously current credentials keep working until the next rotation.
 */
export class RdsRotator {
  private readonly rotating = new Set<string>()
  private deferred: DeferredStep[] = []

  constructor(
    private readonly deps: {
      store: SecretStore
      engines: EngineRegistry
      faults: FaultInjector
      now: () => number
      logger: EmulatorLogger
    },
  ) {}

  /** Whether a rotation of the secret is running or waiting out a rotation-fault window. */
  isRotating(secretName: string): boolean {
    return this.rotating.has(secretName)
  }

  /** Rotates one secret now. `manual` rotations count against the hourly limit. */
  async rotate(
    record: SecretRecord,
    options: { versionId?: string; manual: boolean },
  ): Promise<{ versionId: string }> {
    const { store, engines, faults, now, logger } = this.deps
    const rds = record.rds
    if (record.type !== 'Rds' || !rds) {
      throw unsupportedOperation(
        `The secret "${record.name}" is a Generic secret and cannot be rotated.`,
      )
    }
    if (this.rotating.has(record.name)) {
      throw new KmsApiError(
        'Rejected.Rotating',
        409,
        'Your secret is being rotated, please try again later.',
      )
    }
    const start = now()
    if (options.manual) {
      record.rotationHistory = record.rotationHistory.filter((t) => t > start - HOUR_MS)
      if (record.rotationHistory.length >= MAX_ROTATIONS_PER_HOUR) {
        throw limitExceeded(
          `A secret can be rotated at most ${MAX_ROTATIONS_PER_HOUR} times per hour.`,
        )
      }
    }
    const versionId = options.versionId ?? randomUUID().replaceAll('-', '')
    validateVersionId(versionId)
    if (record.versions.some((v) => v.versionId === versionId)) {
      throw resourceExists(`version "${versionId}" of secret "${record.name}"`)
    }
    const engine = engines.get(rds.instanceId)
    const current = versionWithStage(record, ACS_CURRENT)
    const currentAccount = current ? readAccount(current).AccountName : (rds.accounts[0] as string)
    const password = generateDatabasePassword()

    let target = currentAccount
    // DoubleUsers, first rotation: the clone name is not yet recorded as this secret's account.
    let claimClone = false
    let databaseChange: () => Promise<void>
    if (rds.subType === 'SingleUser') {
      databaseChange = () => engine.setPassword(target, password)
    } else {
      const primary = rds.accounts[0] as string
      target = rds.accounts.find((a) => a !== currentAccount) ?? `${primary}_clone`
      if (rds.secondaryReady) {
        databaseChange = () => engine.setPassword(target, password)
      } else {
        claimClone = !rds.accounts.includes(target)
        // cloneAccount is idempotent on purpose: a first rotation that failed half-way is
        // retried on the clone this secret recorded (see claimClone below), never on another.
        databaseChange = async () => {
          await engine.cloneAccount(currentAccount, target, password)
          rds.secondaryReady = true
        }
      }
    }

    const applyStages = () => {
      // The secret may have been deleted while a rotation-fault window was open.
      if (store.peek(record.name) !== record) return
      const at = now()
      const version: SecretVersionRecord = {
        versionId,
        createTime: at,
        data: JSON.stringify({ AccountName: target, AccountPassword: password }),
        dataType: 'text',
        stages: [],
      }
      record.versions.push(version)
      moveStage(record, ACS_CURRENT, version)
      record.lastRotationTime = at
      record.updateTime = at
      delete record.rotationFailures
      if (record.automaticRotation && record.rotationIntervalSec !== undefined) {
        record.nextRotationTime = at + record.rotationIntervalSec * 1000
      }
      store.persist()
    }
    const runDatabaseChange = async () => {
      try {
        await databaseChange()
      } catch (cause) {
        logger.error?.('rotation failed on the database server', {
          secretName: record.name,
          instanceId: rds.instanceId,
          account: target,
          ...safeErrorFields(cause),
        })
        throw internalFailure('The rotation failed: the database server rejected the change.')
      }
    }
    // Records the clone name in the secret before creating it, after checking that no account of
    // that name exists: cloneAccount would otherwise take over an unrelated account.
    const claimCloneName = async () => {
      let exists: boolean
      try {
        exists = await engine.accountExists(target)
      } catch (cause) {
        logger.error?.('rotation failed on the database server', {
          secretName: record.name,
          instanceId: rds.instanceId,
          account: target,
          ...safeErrorFields(cause),
        })
        throw internalFailure('The rotation failed: the database server could not be reached.')
      }
      if (exists) {
        throw new KmsApiError(
          'Rejected.ResourceExist',
          409,
          `The rotation failed: the account "${target}" already exists on ${rds.instanceId} and was not created by this secret; drop or rename it, then rotate again.`,
        )
      }
      rds.accounts.push(target)
      store.persist()
    }

    this.rotating.add(record.name)
    // While a fault window is open the secret stays "being rotated" until the deferred step ran.
    let deferred = false
    try {
      if (claimClone) await claimCloneName()
      const fault = faults.matchRotation(record.name)
      if (!fault) {
        await runDatabaseChange()
        applyStages()
      } else if (fault.mode === 'secret-ahead-of-database') {
        applyStages()
        this.defer(record.name, start + fault.windowMs, runDatabaseChange)
        deferred = true
      } else {
        await runDatabaseChange()
        this.defer(record.name, start + fault.windowMs, async () => applyStages())
        deferred = true
      }
    } finally {
      if (!deferred) this.rotating.delete(record.name)
    }
    // Only rotations that happened count against the hourly limit.
    if (options.manual) record.rotationHistory.push(start)
    logger.info?.('secret rotated', { secretName: record.name, versionId, account: target })
    return { versionId }
  }

  /** Rotates every secret whose automatic rotation is due. */
  async rotateDue(): Promise<void> {
    const { store, now, logger } = this.deps
    for (const record of store.list()) {
      if (!record.automaticRotation || record.plannedDeleteTime !== undefined) continue
      if (record.nextRotationTime === undefined || record.nextRotationTime > now()) continue
      if (this.rotating.has(record.name)) continue
      try {
        await this.rotate(record, { manual: false })
      } catch (err) {
        // Backs off exponentially, so a rotation that keeps failing is retried at most hourly.
        const failures = (record.rotationFailures ?? 0) + 1
        const retryInMs = automaticRetryDelayMs(record.rotationIntervalSec, failures)
        logger.warn?.('automatic rotation failed; retrying later', {
          secretName: record.name,
          code: err instanceof KmsApiError ? err.code : 'unknown',
          failures,
          retryInMs,
        })
        record.rotationFailures = failures
        record.nextRotationTime = now() + retryInMs
        store.persist()
      }
    }
  }

  /** Runs rotation-fault steps whose window has passed. */
  async runDeferred(): Promise<void> {
    const at = this.deps.now()
    const due = this.deferred.filter((d) => d.dueAt <= at)
    this.deferred = this.deferred.filter((d) => d.dueAt > at)
    for (const step of due) {
      try {
        await step.run()
      } catch {
        // Already logged by the step; the window closes either way.
      } finally {
        this.rotating.delete(step.secretName)
      }
    }
  }

  /** Drops pending rotation-fault steps (on close). */
  dispose(): void {
    this.deferred = []
    this.rotating.clear()
  }

  private defer(secretName: string, dueAt: number, run: () => Promise<void>): void {
    this.deferred.push({ secretName, dueAt, run })
  }
}
