import { runDriverConformance } from '@org/driver-conformance'
import { isAuthFailure } from '@org/secret-pg'
import { describeWithServer, probeEmbeddedPostgres } from '@org/test-support'
import { PgClient } from '../src/pg.js'
import { knexAdapter } from './knex-adapter.js'

await describeWithServer('embedded PostgreSQL', probeEmbeddedPostgres, 'secret-knex pg', () =>
  runDriverConformance(
    knexAdapter('@org/secret-knex (knex pg)', 'postgresql', PgClient, isAuthFailure),
  ),
)
