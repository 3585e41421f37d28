import { createSecret } from './create-secret.js'
import { getRandomPassword } from './get-random-password.js'
import { deleteSecret, restoreSecret } from './lifecycle-operations.js'
import type { Operation } from './operation-context.js'
import {
  describeSecret,
  getSecretValue,
  listSecrets,
  listSecretVersionIds,
} from './read-operations.js'
import { checkSecretAccount, rotateSecret } from './rotation-operations.js'
import { listResourceTags, tagResource, untagResource } from './tag-operations.js'
import {
  putSecretValue,
  updateSecret,
  updateSecretRotationPolicy,
  updateSecretVersionStage,
} from './write-operations.js'

/** Every action the emulator answers, by name. `CheckSecretAccount` is an emulator extension. */
export const OPERATIONS: Readonly<Record<string, Operation>> = {
  GetSecretValue: getSecretValue,
  ListSecrets: listSecrets,
  DescribeSecret: describeSecret,
  ListSecretVersionIds: listSecretVersionIds,
  CreateSecret: createSecret,
  PutSecretValue: putSecretValue,
  UpdateSecret: updateSecret,
  UpdateSecretVersionStage: updateSecretVersionStage,
  UpdateSecretRotationPolicy: updateSecretRotationPolicy,
  RotateSecret: rotateSecret,
  DeleteSecret: deleteSecret,
  RestoreSecret: restoreSecret,
  GetRandomPassword: getRandomPassword,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListResourceTags: listResourceTags,
  CheckSecretAccount: checkSecretAccount,
}
