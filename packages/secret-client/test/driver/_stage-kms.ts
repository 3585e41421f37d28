import type { FetchSecretRequest, SecretRecord } from '../../src/types.js'

/** The one secret of the single-secret driver-kit tests. */
export const NAME = 'db/app'

/** A KMS holding {@link NAME} by stage, counting fetches. */
export class StageKms {
  readonly stages = new Map<string, SecretRecord>()
  fetches = 0

  /** Sets what `stage` returns: account `app` with `password`. */
  set(stage: string, versionId: string, password: string): void {
    this.stages.set(stage, {
      secretName: NAME,
      versionId,
      secretValue: JSON.stringify({ AccountName: 'app', AccountPassword: password }),
      versionStages: [stage],
    })
  }

  async fetchSecret(request: FetchSecretRequest): Promise<SecretRecord> {
    this.fetches += 1
    const found = this.stages.get(request.versionStage)
    if (!found) throw Object.assign(new Error('kms'), { code: 'Forbidden.ResourceNotFound' })
    return found
  }
}
