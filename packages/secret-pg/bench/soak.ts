/**
 * Soak: 50 workers for 60 s against the KMS emulator and the real server, the secret rotating
 * every 2 s (DoubleUsers for 30 s, then SingleUser), a pool replaced every 10 s and one worker in
 * five opening a connection per query. Prints failed queries, KMS calls and latency per phase.
 *
 * Run: `pnpm bench:soak` in this package (node --import tsx bench/soak.ts [seconds]).
 */
import { soakBench } from '@org/driver-conformance'
import { adapter } from '../test/adapter.js'

await soakBench(adapter)
