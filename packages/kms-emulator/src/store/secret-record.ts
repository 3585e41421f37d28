/** Stage of the version clients read by default. */
export const ACS_CURRENT = 'ACSCurrent'
/** Stage the service gives the version that was current before the last move. */
export const ACS_PREVIOUS = 'ACSPrevious'

/** Secret types the emulator implements. */
export type EmulatedSecretType = 'Generic' | 'Rds'

/** Account management mode of an Rds secret. */
export type RdsSecretSubType = 'SingleUser' | 'DoubleUsers'

/** One stored version of a secret. */
export interface SecretVersionRecord {
  versionId: string
  createTime: number
  /** As sent: text, or base64 for `binary`. */
  data: string
  dataType: 'text' | 'binary'
  stages: string[]
}

/** Database-side state of a managed Rds secret. */
export interface RdsSecretState {
  instanceId: string
  subType: RdsSecretSubType
  /** The managed accounts: the imported/created one first, then (DoubleUsers) the second one. */
  accounts: string[]
  /** DoubleUsers: whether the second account exists on the server (created on first rotation). */
  secondaryReady: boolean
  /** `ExtendedConfig.CustomData` as given, returned unchanged. */
  customData?: unknown
}

/** Everything the emulator keeps about one secret; also the persisted shape. */
export interface SecretRecord {
  name: string
  type: EmulatedSecretType
  description?: string
  encryptionKeyId?: string
  createTime: number
  updateTime: number
  /** Set while the secret is in its deletion window. */
  plannedDeleteTime?: number
  tags: Array<{ key: string; value: string }>
  versions: SecretVersionRecord[]
  automaticRotation: boolean
  /** Seconds. */
  rotationIntervalSec?: number
  nextRotationTime?: number
  lastRotationTime?: number
  /** Start times of recent rotations, for the 50-per-hour limit. */
  rotationHistory: number[]
  /** Automatic rotations that failed in a row since the last successful one (for the backoff). */
  rotationFailures?: number
  rds?: RdsSecretState
}

/** The version carrying `stage`, if any. */
export function versionWithStage(
  record: SecretRecord,
  stage: string,
): SecretVersionRecord | undefined {
  return record.versions.find((v) => v.stages.includes(stage))
}

/**
 * Moves `stage` to `target`, removing it from every other version. Moving `ACSCurrent` turns the
 * old current version into `ACSPrevious`, as the service does.
 */
export function moveStage(record: SecretRecord, stage: string, target: SecretVersionRecord): void {
  const previousHolder = versionWithStage(record, stage)
  if (previousHolder === target) return
  for (const v of record.versions) v.stages = v.stages.filter((s) => s !== stage)
  target.stages.push(stage)
  if (stage === ACS_CURRENT && previousHolder) {
    for (const v of record.versions) v.stages = v.stages.filter((s) => s !== ACS_PREVIOUS)
    previousHolder.stages.push(ACS_PREVIOUS)
  }
}
