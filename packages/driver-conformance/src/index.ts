export {
  type BenchSecret,
  type BenchSqlServer,
  benchMariaDb,
  compareConnectLatency,
  compareThroughput,
  comparisonRows,
  medianRatio,
  type Side,
  startBenchSecret,
  startSqlServerBenchSecret,
  type ThroughputComparison,
} from './bench-harness.js'
export {
  type DefaultClientAdapter,
  type DefaultClientOptions,
  runDefaultClientConformance,
} from './default-client-conformance.js'
export type {
  ConformanceConnectOptions,
  ConformancePoolOptions,
  ConformanceQueryable,
  DriverAdapter,
} from './driver-adapter.js'
export {
  type EmulatorFixture,
  type EmulatorFixtureOptions,
  type FixtureEngine,
  type FixtureSecret,
  type FixtureSubType,
  startEmulatorFixture,
} from './emulator-fixture.js'
export {
  clearKmsEnvironment,
  KMS_ENVIRONMENT_KEYS,
  saveKmsEnvironment,
  useEmulatorEnvironment,
} from './kms-environment.js'
export { type HandleCounts, openHandleCounts, waitForHandles } from './open-handles.js'
export { type ChaosResult, type ChaosSuiteOptions, runChaosSuite } from './run-chaos-suite.js'
export { type DriverConformanceOptions, runDriverConformance } from './run-driver-conformance.js'
export { runSoak, type SoakOptions, type SoakPhaseResult, soakBench } from './run-soak.js'
export { openSqlServerAdmin, type SqlServerAdmin } from './sqlserver-admin.js'
export { startTdsServerProcess, type TdsServerProcess } from './start-tds-server-process.js'
