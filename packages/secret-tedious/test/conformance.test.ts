import { runDriverConformance } from '@org/driver-conformance'
import { adapter } from './adapter.js'

runDriverConformance(adapter)
