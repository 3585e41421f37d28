import { runChaosSuite } from '@org/driver-conformance'
import { describeWithServer, probeMariaDb } from '@org/test-support'
import { adapter } from './adapter.js'

await describeWithServer('MariaDB at 127.0.0.1:3306', probeMariaDb, 'secret-mariadb chaos', () =>
  runChaosSuite(adapter),
)
