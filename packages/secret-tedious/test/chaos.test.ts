import { runChaosSuite } from '@org/driver-conformance'
import { adapter } from './adapter.js'

runChaosSuite(adapter)
