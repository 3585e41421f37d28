import type { RequestParams } from '../internal/params.js'
import type { EngineRegistry } from '../rotation/engine-registry.js'
import type { RdsRotator } from '../rotation/rds-rotator.js'
import type { SecretStore } from '../store/secret-store.js'

/** What every operation handler can use. */
export interface OperationContext {
  store: SecretStore
  now(): number
  regionId: string
  /** Account id used in ARNs. */
  accountId: string
  allowShortRotationInterval: boolean
  engines: EngineRegistry
  rotator: RdsRotator
}

/** A KMS operation: validated parameters in, response fields (without `RequestId`) out. */
export type Operation = (
  params: RequestParams,
  ctx: OperationContext,
) => Promise<Record<string, unknown>> | Record<string, unknown>
