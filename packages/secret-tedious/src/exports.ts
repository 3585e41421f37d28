export {
  AuthRetryExhaustedError,
  closeDefaultSecretClient,
  isSecretClientError,
  type RotationRetryOptions,
  SecretClientError,
} from '@org/secret-client'
export {
  BulkLoad,
  type ConnectionAuthentication,
  type ConnectionConfiguration,
  ConnectionError,
  type ConnectionOptions,
  ISOLATION_LEVEL,
  library,
  Request,
  RequestError,
  TDS_VERSION,
  TYPES,
} from 'tedious'
export { connect } from './connect.js'
export { Connection } from './connection.js'
export { isAuthFailure, LOGIN_FAILED } from './is-auth-failure.js'
export type { SecretConnectionConfig, SecretOptions } from './secret-options.js'
