/**
 * Benchmarks of the cache core, in one run:
 *  (a) cost of a cached fresh hit of `getSecretInfo` as a ratio to `await map.get()`;
 *  (b) KMS calls (fetcher invocations) for a 1,000-caller cold storm and a 1,000-caller
 *      `refreshNow` storm.
 *
 * Run: `pnpm -F @org/secret-client bench` (node --expose-gc --import tsx bench/run.ts).
 */
import { SecretCacheClient } from '../src/secret-cache-client.js'
import type { FetchSecretRequest, SecretFetcher, SecretRecord } from '../src/types.js'

const ITERATIONS = 200_000
const ROUNDS = 15
const STORM = 1000

const gc = (globalThis as { gc?: () => void }).gc

/** A fetcher that answers after a few milliseconds, like a nearby KMS, and counts its calls. */
class CountingFetcher implements SecretFetcher {
  calls = 0
  version = 'v1'

  fetchSecret(request: FetchSecretRequest): Promise<SecretRecord> {
    this.calls++
    const version = this.version
    return new Promise((resolve) => {
      setTimeout(
        () =>
          resolve({
            secretName: request.secretName,
            versionId: version,
            secretValue: '{"AccountName":"app","AccountPassword":"bench-only"}',
          }),
        5,
      )
    })
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

/** ns per `await map.get(key)`: the floor for anything an async API can return. */
async function baselineLoop(map: Map<string, object>, key: string): Promise<number> {
  const start = process.hrtime.bigint()
  for (let i = 0; i < ITERATIONS; i++) await map.get(key)
  return Number(process.hrtime.bigint() - start) / ITERATIONS
}

/** ns per cached `await client.getSecretInfo(key)`; same loop shape as the baseline. */
async function hitLoop(client: SecretCacheClient, key: string): Promise<number> {
  const start = process.hrtime.bigint()
  for (let i = 0; i < ITERATIONS; i++) await client.getSecretInfo(key)
  return Number(process.hrtime.bigint() - start) / ITERATIONS
}

async function hitCost(): Promise<{
  baselineNs: number
  hitNs: number
  ratio: number
  minRatio: number
  maxRatio: number
}> {
  const key = 'bench/db'
  const client = new SecretCacheClient({ fetcher: new CountingFetcher() })
  await client.getSecretInfo(key)
  const map = new Map<string, object>([[key, { value: 1 }]])
  // Warm up both paths so the JIT has optimised them before we measure.
  for (let i = 0; i < 3; i++) {
    await baselineLoop(map, key)
    await hitLoop(client, key)
  }
  const baselines: number[] = []
  const hits: number[] = []
  const ratios: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    gc?.()
    // Alternate the order so neither side always runs first after a GC.
    let b: number
    let h: number
    if (round % 2 === 0) {
      b = await baselineLoop(map, key)
      h = await hitLoop(client, key)
    } else {
      h = await hitLoop(client, key)
      b = await baselineLoop(map, key)
    }
    baselines.push(b)
    hits.push(h)
    ratios.push(h / b)
    // Let the event loop turn between rounds, as it does between requests in a real server.
    await new Promise((resolve) => setImmediate(resolve))
  }
  await client.close()
  return {
    baselineNs: median(baselines),
    hitNs: median(hits),
    ratio: median(ratios),
    minRatio: Math.min(...ratios),
    maxRatio: Math.max(...ratios),
  }
}

async function coldStorm(): Promise<number> {
  const fetcher = new CountingFetcher()
  const client = new SecretCacheClient({ fetcher })
  await Promise.all(Array.from({ length: STORM }, () => client.getSecretInfo('bench/cold')))
  await client.close()
  return fetcher.calls
}

async function refreshStorm(): Promise<{ sameTick: number; spread: number }> {
  const fetcher = new CountingFetcher()
  const client = new SecretCacheClient({ fetcher })
  await client.getSecretInfo('bench/rotated')
  fetcher.version = 'v2' // rotated: every pooled connection fails auth and calls refreshNow
  const before = fetcher.calls
  await Promise.all(Array.from({ length: STORM }, () => client.refreshNow('bench/rotated')))
  const sameTick = fetcher.calls - before
  // The same storm spread over time (callers arrive while the request is on the wire).
  const before2 = fetcher.calls
  await Promise.all(
    Array.from({ length: STORM }, (_, i) =>
      new Promise((resolve) => setTimeout(resolve, i % 20)).then(() =>
        client.refreshNow('bench/rotated'),
      ),
    ),
  )
  const spread = fetcher.calls - before2
  await client.close()
  return { sameTick, spread }
}

async function main(): Promise<void> {
  const hit = await hitCost()
  const cold = await coldStorm()
  const storm = await refreshStorm()
  const rows: [string, string, string][] = [
    ['`await map.get()` baseline', `${hit.baselineNs.toFixed(1)} ns/op`, ''],
    ['`getSecretInfo` cached hit', `${hit.hitNs.toFixed(1)} ns/op`, ''],
    [
      'hit / baseline (median of rounds)',
      `${hit.ratio.toFixed(2)}×`,
      `goal ≤ 2×; rounds ${hit.minRatio.toFixed(2)}–${hit.maxRatio.toFixed(2)}×`,
    ],
    [`cold storm: ${STORM} concurrent getSecretInfo`, `${cold} KMS call(s)`, 'goal 1'],
    [
      `refreshNow storm: ${STORM} concurrent (same tick)`,
      `${storm.sameTick} KMS call(s)`,
      'goal 1',
    ],
    [
      `refreshNow storm: ${STORM} spread over 20 ms (rotation just seen)`,
      `${storm.spread} KMS call(s)`,
      'rate-limited',
    ],
  ]
  const width = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]?.length ?? 0)))
  const line = (r: string[]): string =>
    `| ${r.map((cell, c) => cell.padEnd(width[c] ?? 0)).join(' | ')} |`
  console.log(
    `node ${process.version}, ${ITERATIONS} iterations × ${ROUNDS} rounds${gc ? '' : ' (no --expose-gc)'}`,
  )
  console.log(line(['measure', 'result', 'note']))
  console.log(line(width.map((w) => '-'.repeat(w))))
  for (const r of rows) console.log(line(r))
}

await main()
