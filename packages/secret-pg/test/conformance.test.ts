import { runDriverConformance } from '@org/driver-conformance'
import { describeWithServer, probeEmbeddedPostgres } from '@org/test-support'
import { adapter } from './adapter.js'

await describeWithServer('embedded PostgreSQL', probeEmbeddedPostgres, 'secret-pg', () =>
  runDriverConformance(adapter),
)
