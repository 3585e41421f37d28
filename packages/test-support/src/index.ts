export { fmt, median, quantile, type Throughput, timedThroughput } from './bench-stats.js'
export { freePort } from './free-port.js'
export { type MariaDbHelper, type MariaDbOptions, mariadb, probeMariaDb } from './mariadb.js'
export { pgIdentifier, pgLiteral } from './pg-quote.js'
export { printedPart, randomName, randomPassword, runPrefix } from './random-name.js'
export { describeWithServer, requireServer } from './require-server.js'
export {
  describeWithRotatingAccount,
  type RotatingAccount,
  type RotatingAccountOptions,
  rotatingAccount,
} from './rotating-account.js'
export {
  type PgServer,
  probeEmbeddedPostgres,
  type StartPostgresOptions,
  startPostgres,
} from './start-postgres.js'
export {
  startTdsServer,
  type TdsServer,
  type TdsServerOptions,
  type TdsServerStats,
} from './tds/tds-server.js'
export { tsqlIdentifier, tsqlString } from './tsql-quote.js'
