export type {
  ConformanceConnectOptions,
  ConformancePoolOptions,
  ConformanceQueryable,
  DriverAdapter,
} from './conformance/driver-adapter.js'
export { type HandleCounts, openHandleCounts, waitForHandles } from './conformance/open-handles.js'
export {
  type DriverConformanceOptions,
  runDriverConformance,
} from './conformance/run-driver-conformance.js'
export {
  type EmulatorFixture,
  type EmulatorFixtureOptions,
  type FixtureEngine,
  type FixtureSecret,
  type FixtureSubType,
  startEmulatorFixture,
} from './emulator-fixture.js'
export { freePort } from './free-port.js'
export { type MariaDbHelper, type MariaDbOptions, mariadb, probeMariaDb } from './mariadb.js'
export { randomName, randomPassword, runPrefix } from './random-name.js'
export { describeWithServer, requireServer } from './require-server.js'
export {
  type PgServer,
  probeEmbeddedPostgres,
  type StartPostgresOptions,
  startPostgres,
} from './start-postgres.js'
