export type { ActionCounters, AuditEntry } from './audit/audit-log.js'
export type { EmulatorAccessKey } from './auth/access-key.js'
export { type EmulatorClock, systemClock } from './clock.js'
export { createDatabaseEngine } from './database/create-database-engine.js'
export type {
  AccountPrivilege,
  DatabaseEngine,
  DatabaseEngineKind,
  DatabaseServerConfig,
} from './database/database-engine.js'
export {
  DatabaseEngineError,
  type DatabaseEngineErrorCode,
} from './database/database-engine-error.js'
export { type EmulatorEndpoint, emulatorEnvironment } from './emulator-environment.js'
export { KmsApiError, KmsEmulatorError, type KmsEmulatorErrorCode } from './errors.js'
export type { FaultEffect } from './faults/fault-injector.js'
export { FaultInjector } from './faults/fault-injector.js'
export {
  FAULT_ERRORS,
  type FaultErrorCode,
  type FaultRule,
  type RotationFaultMode,
  type RotationFaultRule,
} from './faults/fault-rule.js'
export { type KmsEmulator, startKmsEmulator } from './kms-emulator.js'
export type { InitialSecret, KmsEmulatorOptions } from './kms-emulator-options.js'
export type { EmulatorLogger } from './logger.js'
export { generateRandomPassword, type RandomPasswordOptions } from './random-password.js'
export type { DatabaseEngineFactory } from './rotation/engine-registry.js'
