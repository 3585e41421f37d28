/**
 * `@org/secret-client/driver`: the kit every driver package builds on — one options model and
 * validation, one rotation-aware connect (as a loop or step by step), one cause-chain walk for
 * auth classification, one credential-generation tracker for pools, a socket that waits for the
 * secret before connecting, and the driver-identity-keeping end-of-budget error. See
 * `docs/adding-a-driver.md`.
 *
 * @packageDocumentation
 */

export { AuthRetryExhaustedError, markAuthRetryExhausted } from './auth-retry-exhausted-error.js'
export type { AuthRetryExhausted } from './auth-retry-exhausted-mark.js'
export {
  type ConnectedWithSecret,
  type ConnectWithSecretOptions,
  connectWithSecret,
} from './connect-with-secret.js'
export {
  CredentialGenerations,
  type CredentialGenerationsOptions,
} from './credential-generations.js'
export {
  DeferredSocket,
  type DeferredSocketOptions,
  type SocketTarget,
  type SocketTargetResolver,
} from './deferred-socket.js'
export { DriverInternals, type DriverInternalsOptions } from './driver-internals.js'
export { findCause } from './find-cause.js'
export { LoginRotation, type LoginRotationOptions } from './login-rotation.js'
export {
  type AttemptCredentials,
  type OpenWithRotationOptions,
  openWithRotation,
} from './open-with-rotation.js'
export {
  type CredentialFields,
  credentialFields,
  type DriverOptionsSpec,
  type DriverSecret,
  type GivenLocation,
  resolveDriverOptions,
  withCredentials,
} from './resolve-driver-options.js'
export {
  type AuthFailureInfo,
  type DatabaseSecretSource,
  peekCredentials,
  RotationAttempt,
  type RotationAttemptOptions,
} from './rotation-attempt.js'
export {
  DEFAULT_ROTATION_RETRY,
  type RotationRetryOptions,
  resolveRotationRetry,
} from './rotation-retry.js'
export {
  SECRET_DRIVER_OPTION_KEYS,
  type SecretDriverOptions,
  type SecretPoolDriverOptions,
} from './secret-driver-options.js'
export { untilAborted } from './until-aborted.js'
