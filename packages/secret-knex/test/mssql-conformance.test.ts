import { runDriverConformance } from '@org/driver-conformance'
import { isAuthFailure } from '@org/secret-tedious'
import { MsSqlClient } from '../src/mssql.js'
import { knexAdapter } from './knex-adapter.js'

// The TDS test server stands in for SQL Server (see docs/tds-test-server.md).
runDriverConformance(
  knexAdapter('@org/secret-knex (knex mssql)', 'sqlserver', MsSqlClient, isAuthFailure),
)
