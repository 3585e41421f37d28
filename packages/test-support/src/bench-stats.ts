import { performance } from 'node:perf_hooks'

/** The `q` quantile of `values` (nearest rank; `NaN` for none). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[index] ?? Number.NaN
}

/** The median of `values`. */
export const median = (values: readonly number[]): number => quantile(values, 0.5)

/** `n` with `digits` decimals, for the benchmark tables. */
export const fmt = (n: number, digits = 2): string => n.toFixed(digits)

/** What {@link timedThroughput} measured. */
export interface Throughput {
  /** Calls completed per second. */
  perSecond: number
  /** This process's CPU time per call in µs (the client's own cost, less sensitive to a server on the same cores). */
  cpuPerCallUs: number
}

/** Calls of `call` completed per second by `concurrency` loops over `durationMs`. */
export async function timedThroughput(
  call: () => Promise<unknown>,
  durationMs: number,
  concurrency: number,
): Promise<Throughput> {
  let done = 0
  const until = performance.now() + durationMs
  const loop = async () => {
    while (performance.now() < until) {
      await call()
      done += 1
    }
  }
  const cpu = process.cpuUsage()
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, loop))
  const used = process.cpuUsage(cpu)
  return {
    perSecond: (done * 1000) / (performance.now() - started),
    cpuPerCallUs: (used.user + used.system) / Math.max(1, done),
  }
}
