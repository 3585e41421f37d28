import { inspect } from 'node:util'
import { deepFreeze } from './internal/deep-freeze.js'
import type { SecretDataType, SecretRecord } from './types.js'

const MASK = '******'

/**
 * One cached secret version. The value is held in a private field: `util.inspect`,
 * `JSON.stringify`, `String()` and template literals show `******` instead of it.
 */
export class SecretInfo {
  readonly secretName: string
  readonly versionId: string
  readonly secretDataType: SecretDataType
  readonly versionStages: readonly string[]
  readonly secretType: string | undefined
  readonly createTime: string | undefined
  readonly automaticRotation: string | undefined
  readonly rotationInterval: string | undefined
  readonly nextRotationDate: string | undefined
  readonly lastRotationDate: string | undefined
  /** Parsed `ExtendedConfig` (an empty object when KMS returned none), deeply frozen. */
  readonly extendedConfig: Readonly<Record<string, unknown>>
  readonly #secretValue: string

  constructor(record: SecretRecord) {
    this.secretName = record.secretName
    this.versionId = record.versionId
    this.#secretValue = record.secretValue
    this.secretDataType = record.secretDataType ?? 'text'
    this.versionStages = Object.freeze([...(record.versionStages ?? [])])
    this.secretType = record.secretType
    this.createTime = record.createTime
    this.automaticRotation = record.automaticRotation
    this.rotationInterval = record.rotationInterval
    this.nextRotationDate = record.nextRotationDate
    this.lastRotationDate = record.lastRotationDate
    this.extendedConfig = deepFreeze(parseExtendedConfig(record.extendedConfig))
    Object.freeze(this)
  }

  /** The value as KMS holds it: text as is, binary as base64. */
  get secretValue(): string {
    return this.#secretValue
  }

  /** JSON form without the value. */
  toJSON(): Record<string, unknown> {
    return {
      secretName: this.secretName,
      versionId: this.versionId,
      secretValue: MASK,
      secretDataType: this.secretDataType,
      versionStages: this.versionStages,
      secretType: this.secretType,
      createTime: this.createTime,
      automaticRotation: this.automaticRotation,
      rotationInterval: this.rotationInterval,
      nextRotationDate: this.nextRotationDate,
      lastRotationDate: this.lastRotationDate,
      extendedConfig: this.extendedConfig,
    }
  }

  toString(): string {
    return `SecretInfo(${this.secretName}@${this.versionId})`
  }

  [inspect.custom](): string {
    return `SecretInfo ${inspect(this.toJSON())}`
  }
}

function parseExtendedConfig(value: SecretRecord['extendedConfig']): Record<string, unknown> {
  if (value === undefined || value === '') return {}
  if (typeof value !== 'string') {
    // A copy, so freezing it never freezes the fetcher's own objects.
    try {
      return structuredClone(value)
    } catch {
      return {} // something JSON could not carry (a function): treat like malformed metadata
    }
  }
  try {
    const parsed: unknown = JSON.parse(value)
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {}
  } catch {
    // ExtendedConfig is metadata, never the secret: a malformed one must not make the value unreadable.
    return {}
  }
}
