/**
 * Soak: 50 workers for 60 s against the KMS emulator and the real server, the secret rotating
 * every 2 s (DoubleUsers for 30 s, then SingleUser), a pool replaced every 10 s and one worker in
 * five opening a connection per query. Prints failed queries, KMS calls and latency per phase.
 *
 * Run: `pnpm bench:soak` in this package (node --import tsx bench/soak.ts [seconds]).
 */
import { runSoak } from '@org/driver-conformance'
import { adapter } from '../test/adapter.js'

const seconds = Number(process.argv[2] ?? 60)
const started = performance.now()
const results = await runSoak(adapter, { durationMs: seconds * 1000 })
console.log(
  `${adapter.name}: soak of ${seconds} s, 50 workers, rotation every 2 s (${((performance.now() - started) / 1000).toFixed(0)} s with set-up)`,
)
console.table(results)
