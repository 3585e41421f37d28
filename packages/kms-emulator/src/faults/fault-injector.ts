import { KmsEmulatorError } from '../errors.js'
import { OPERATIONS } from '../operations/operation-table.js'
import {
  FAULT_ERRORS,
  type FaultRule,
  type RotationFaultMode,
  type RotationFaultRule,
} from './fault-rule.js'

/** What a matched fault does to one call. */
export interface FaultEffect {
  ruleId: number
  latencyMs: number
  outcome: 'error' | 'reset' | 'hang' | 'pass'
  error?: keyof typeof FAULT_ERRORS
}

interface ActiveRule<R> {
  id: number
  rule: R
  remaining: number
}

function invalid(message: string): KmsEmulatorError {
  return new KmsEmulatorError('INVALID_OPTIONS', message)
}

/** Validates a rule from the library API or the admin endpoint. */
function validateRule(rule: FaultRule): void {
  if (!rule || typeof rule !== 'object') throw invalid('A fault rule must be an object')
  const allowed = new Set([
    'action',
    'secretName',
    'error',
    'times',
    'probability',
    'latencyMs',
    'reset',
    'hang',
  ])
  for (const key of Object.keys(rule)) {
    if (!allowed.has(key)) throw invalid(`Unknown fault rule field "${key}"`)
  }
  if (
    rule.action !== undefined &&
    (typeof rule.action !== 'string' || !Object.hasOwn(OPERATIONS, rule.action))
  ) {
    // A typo would otherwise be a rule that silently never matches.
    throw invalid(`fault action must be one of ${Object.keys(OPERATIONS).join(', ')}`)
  }
  if (rule.secretName !== undefined && typeof rule.secretName !== 'string') {
    throw invalid('fault secretName must be a string')
  }
  if (rule.error !== undefined && !Object.hasOwn(FAULT_ERRORS, rule.error)) {
    throw invalid(`fault error must be one of ${Object.keys(FAULT_ERRORS).join(', ')}`)
  }
  if (rule.times !== undefined && (!Number.isInteger(rule.times) || rule.times < 1)) {
    throw invalid('fault times must be a positive integer')
  }
  if (
    rule.probability !== undefined &&
    (typeof rule.probability !== 'number' || rule.probability < 0 || rule.probability > 1)
  ) {
    throw invalid('fault probability must be between 0 and 1')
  }
  if (
    rule.latencyMs !== undefined &&
    (typeof rule.latencyMs !== 'number' || rule.latencyMs < 0 || !Number.isFinite(rule.latencyMs))
  ) {
    throw invalid('fault latencyMs must be a non-negative number')
  }
  const outcomes = [rule.error !== undefined, rule.reset === true, rule.hang === true]
  if (outcomes.filter(Boolean).length > 1) {
    throw invalid('a fault rule takes at most one of error, reset and hang')
  }
  if (!outcomes.some(Boolean) && !rule.latencyMs) {
    throw invalid('a fault rule needs error, reset, hang or latencyMs')
  }
}

/**
 * Fault injection for tests: API call faults ({@link FaultRule}) and rotation faults
 * ({@link RotationFaultRule}). Exposed as `emulator.faults`.
 */
export class FaultInjector {
  private nextId = 1
  private rules: Array<ActiveRule<FaultRule>> = []
  private rotationRules: Array<ActiveRule<RotationFaultRule>> = []
  private readonly hangs = new Set<() => void>()

  /** @param random source of randomness for `probability`. */
  constructor(private readonly random: () => number = Math.random) {}

  /** Adds an API call fault; returns its id (for {@link FaultInjector.remove}). */
  inject(rule: FaultRule): number {
    validateRule(rule)
    const id = this.nextId++
    this.rules.push({ id, rule: { ...rule }, remaining: rule.times ?? Number.POSITIVE_INFINITY })
    return id
  }

  /** Adds a rotation fault; returns its id. */
  injectRotation(rule: RotationFaultRule): number {
    const modes: RotationFaultMode[] = ['secret-ahead-of-database', 'database-ahead-of-secret']
    if (!rule || !modes.includes(rule.mode)) {
      throw invalid(`rotation fault mode must be one of ${modes.join(', ')}`)
    }
    if (typeof rule.windowMs !== 'number' || rule.windowMs < 0 || !Number.isFinite(rule.windowMs)) {
      throw invalid('rotation fault windowMs must be a non-negative number')
    }
    if (rule.times !== undefined && (!Number.isInteger(rule.times) || rule.times < 1)) {
      throw invalid('rotation fault times must be a positive integer')
    }
    const id = this.nextId++
    this.rotationRules.push({ id, rule: { ...rule }, remaining: rule.times ?? 1 })
    return id
  }

  /** Removes one fault by id. */
  remove(id: number): void {
    this.rules = this.rules.filter((r) => r.id !== id)
    this.rotationRules = this.rotationRules.filter((r) => r.id !== id)
  }

  /** Removes every fault and lets hung calls proceed. */
  clear(): void {
    this.rules = []
    this.rotationRules = []
    this.releaseHangs()
  }

  /** The active faults with the number of applications left. */
  list(): Array<{ id: number; remaining: number | null; rule: FaultRule | RotationFaultRule }> {
    return [...this.rules, ...this.rotationRules].map((r) => ({
      id: r.id,
      remaining: Number.isFinite(r.remaining) ? r.remaining : null,
      rule: { ...r.rule },
    }))
  }

  /** @internal The effect for one API call, consuming one application of the matched rule. */
  matchCall(action: string, secretName: string | undefined): FaultEffect | undefined {
    for (const active of this.rules) {
      const { rule } = active
      if (rule.action !== undefined && rule.action !== action) continue
      if (rule.secretName !== undefined && rule.secretName !== secretName) continue
      if (rule.probability !== undefined && this.random() >= rule.probability) continue
      active.remaining -= 1
      if (active.remaining <= 0) this.rules = this.rules.filter((r) => r !== active)
      const outcome = rule.hang
        ? 'hang'
        : rule.reset
          ? 'reset'
          : rule.error !== undefined
            ? 'error'
            : 'pass'
      return {
        ruleId: active.id,
        latencyMs: rule.latencyMs ?? 0,
        outcome,
        ...(rule.error !== undefined ? { error: rule.error } : {}),
      }
    }
    return undefined
  }

  /** @internal The rotation fault for one rotation, consuming one application. */
  matchRotation(secretName: string): RotationFaultRule | undefined {
    const active = this.rotationRules.find(
      (r) => r.rule.secretName === undefined || r.rule.secretName === secretName,
    )
    if (!active) return undefined
    active.remaining -= 1
    if (active.remaining <= 0) this.rotationRules = this.rotationRules.filter((r) => r !== active)
    return active.rule
  }

  /** @internal Parks a hung call until {@link FaultInjector.clear} or close. */
  waitWhileHung(): Promise<void> {
    return new Promise((resolve) => {
      this.hangs.add(resolve)
    })
  }

  /** @internal Number of calls currently hung. */
  get hungCount(): number {
    return this.hangs.size
  }

  /** @internal Releases hung calls (on clear, and on close before sockets are destroyed). */
  releaseHangs(): void {
    const waiting = [...this.hangs]
    this.hangs.clear()
    for (const resolve of waiting) resolve()
  }
}
