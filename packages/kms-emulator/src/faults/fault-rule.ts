/** Error codes a fault can answer with, and the HTTP status each carries. */
export const FAULT_ERRORS = {
  'Rejected.Throttling': {
    status: 429,
    message: 'Request was denied due to request throttling. Please try again later.',
  },
  ServiceUnavailableTemporary: {
    status: 503,
    message: 'The service is temporarily unavailable. Please try again later.',
  },
  InternalFailure: { status: 500, message: 'Internal Failure' },
} as const

/** See {@link FAULT_ERRORS}. */
export type FaultErrorCode = keyof typeof FAULT_ERRORS

/**
 * A fault for API calls. Matching calls (same `action` and `secretName`, when given) get, in
 * order: `latencyMs` of delay, then `hang`, `reset` or `error`; a rule with only `latencyMs`
 * delays the call and lets it through.
 */
export interface FaultRule {
  /** Only calls of this action, e.g. `'GetSecretValue'`. @default every action */
  action?: string
  /** Only calls about this secret. @default every secret */
  secretName?: string
  /** Answer with this error and its status (429/503/500). */
  error?: FaultErrorCode
  /** How many matching calls the rule applies to, then it is removed. @default unlimited */
  times?: number
  /** Chance (0–1) that a matching call is affected; unaffected calls do not use up `times`. @default 1 */
  probability?: number
  /** Delay before answering, in milliseconds. @default 0 */
  latencyMs?: number
  /** Destroy the socket instead of answering. @default false */
  reset?: boolean
  /** Never answer until the fault is cleared (then the call proceeds) or the emulator closes. @default false */
  hang?: boolean
}

/** How a rotation is broken by a rotation fault. */
export type RotationFaultMode = 'secret-ahead-of-database' | 'database-ahead-of-secret'

/**
 * A fault for rotations (RotateSecret, automatic or `emulator.rotateSecret`).
 * - `secret-ahead-of-database`: the new version is `ACSCurrent` at once, but the database password
 *   changes only `windowMs` later.
 * - `database-ahead-of-secret`: the database changes at once, the stages move `windowMs` later.
 *
 * The window is measured on the emulator clock and completed by the scheduler tick.
 */
export interface RotationFaultRule {
  mode: RotationFaultMode
  /** Length of the inconsistent window in milliseconds (emulator clock). */
  windowMs: number
  /** Only rotations of this secret. @default every secret */
  secretName?: string
  /** How many rotations it applies to. @default 1 */
  times?: number
}
