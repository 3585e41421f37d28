/**
 * Fleet simulation: many processes, each with the real `SecretCacheClient`, reading one secret
 * that KMS rotates on a schedule — on simulated time (the client's injectable `now` and `timers`),
 * so three hours of a 10,000-process fleet take seconds. Counts the GetSecretValue requests KMS
 * would receive each second.
 *
 * Three fleets, same processes, same reads:
 *  - unjittered: no refresh-ahead, expiry at the TTL and at NextRotationDate + 30 s exactly — the
 *    schedule of the official clients (their JDBC client reads at NextRotationDate + 5 min);
 *  - no spread: this client with `rotationSpreadMs: 0` (jittered refresh-ahead, but the
 *    post-rotation expiry the same for everyone, as before the spread existed);
 *  - defaults: this client as shipped (`rotationSpreadMs` 5 min).
 *
 * Run: `pnpm -F @org/secret-client bench:fleet [processes] [hours] [read every s] [quota]`
 * (node --import tsx bench/fleet.ts). Figures: docs/scale.md.
 */

import type { SecretCacheClientOptions } from '../src/options.js'
import { SecretCacheClient } from '../src/secret-cache-client.js'
import type { FetchSecretRequest, SecretRecord } from '../src/types.js'

const PROCESSES = Number(process.argv[2] ?? 10_000)
const HOURS = Number(process.argv[3] ?? 2)
/** How often each process's app reads the secret (a hit, mostly), in seconds. */
const READ_EVERY_MS = Number(process.argv[4] ?? 10) * 1000
/** An assumed KMS request quota per second for the whole fleet, to compare peaks with. */
const QUOTA = Number(process.argv[5] ?? 1000)
const START_WINDOW_MS = 60_000
const KMS_LATENCY_MS = 30
const TTL_MS = 3_600_000
const T0 = Date.parse('2026-01-01T00:00:00Z')
/** KMS rotates the secret every hour, at :30. */
const ROTATIONS = Array.from({ length: HOURS }, (_, i) => T0 + 30 * 60_000 + i * 3_600_000)

/** A deterministic random source (mulberry32): every fleet sees the same processes. */
function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

interface Timer {
  at: number
  seq: number
  callback: () => void
  cancelled: boolean
  unref(): Timer
}

/** Simulated time: a min-heap of timers; `run()` pops them in order, flushing promises between. */
class SimulatedTime {
  now = T0
  #heap: Timer[] = []
  #seq = 0

  setTimeout = (callback: () => void, ms: number): Timer => {
    const timer: Timer = {
      at: this.now + Math.max(0, ms),
      seq: this.#seq++,
      callback,
      cancelled: false,
      unref() {
        return this
      },
    }
    this.#push(timer)
    return timer
  }

  clearTimeout = (handle: unknown): void => {
    if (handle) (handle as Timer).cancelled = true
  }

  async run(until: number): Promise<void> {
    while (this.#heap.length > 0 && (this.#heap[0] as Timer).at <= until) {
      const at = (this.#heap[0] as Timer).at
      this.now = at
      // Everything due at this instant, then the promise chains it started.
      while (this.#heap.length > 0 && (this.#heap[0] as Timer).at === at) {
        const timer = this.#pop()
        if (!timer.cancelled) timer.callback()
      }
      await new Promise((resolve) => setImmediate(resolve))
    }
    this.now = until
  }

  #less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq)
  }

  #push(timer: Timer): void {
    const heap = this.#heap
    heap.push(timer)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.#less(heap[i] as Timer, heap[parent] as Timer)) break
      ;[heap[i], heap[parent]] = [heap[parent] as Timer, heap[i] as Timer]
      i = parent
    }
  }

  #pop(): Timer {
    const heap = this.#heap
    const top = heap[0] as Timer
    const last = heap.pop() as Timer
    if (heap.length > 0) {
      heap[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < heap.length && this.#less(heap[l] as Timer, heap[m] as Timer)) m = l
        if (r < heap.length && this.#less(heap[r] as Timer, heap[m] as Timer)) m = r
        if (m === i) break
        ;[heap[i], heap[m]] = [heap[m] as Timer, heap[i] as Timer]
        i = m
      }
    }
    return top
  }
}

interface FleetResult {
  name: string
  requests: number
  perSecond: Map<number, number>
  sameVersion: number
  failedReads: number
}

async function simulate(
  name: string,
  options: Partial<SecretCacheClientOptions>,
): Promise<FleetResult> {
  const time = new SimulatedTime()
  const perSecond = new Map<number, number>()
  let requests = 0
  let sameVersion = 0
  let failedReads = 0
  const random = seeded(42)
  const clients: SecretCacheClient[] = []
  for (let i = 0; i < PROCESSES; i++) {
    const startAt = Math.floor(random() * START_WINDOW_MS)
    const clientRandom = seeded(1000 + i)
    let lastVersion: string | undefined
    const fetcher = {
      fetchSecret: (request: FetchSecretRequest): Promise<SecretRecord> => {
        requests++
        const second = Math.floor((time.now - T0) / 1000)
        perSecond.set(second, (perSecond.get(second) ?? 0) + 1)
        return new Promise((resolve) => {
          time.setTimeout(() => {
            const rotated = ROTATIONS.filter((r) => r <= time.now).length
            const next = ROTATIONS.find((r) => r > time.now) ?? T0 + (HOURS + 1) * 3_600_000
            const versionId = `v${rotated + 1}`
            if (versionId === lastVersion) sameVersion++
            lastVersion = versionId
            resolve({
              secretName: request.secretName,
              versionId,
              secretValue: '{"AccountName":"app","AccountPassword":"simulated"}',
              nextRotationDate: new Date(next).toISOString(),
            })
          }, KMS_LATENCY_MS)
        })
      },
    }
    const client = new SecretCacheClient({
      fetcher,
      ttlMs: TTL_MS,
      maxEntries: 4,
      now: () => time.now,
      timers: time,
      random: clientRandom,
      ...options,
    })
    clients.push(client)
    // The process's app reads the secret at start and then every READ_EVERY_MS (a hit, mostly).
    const read = (): void => {
      client.getStringValue('db/app').catch(() => {
        failedReads++
      })
      time.setTimeout(read, READ_EVERY_MS)
    }
    time.setTimeout(read, startAt)
  }
  await time.run(T0 + HOURS * 3_600_000)
  for (const client of clients) client.close().catch(() => undefined)
  return { name, requests, perSecond, sameVersion, failedReads }
}

function report(result: FleetResult): Record<string, string | number> {
  const seconds = HOURS * 3600
  const counts = [...result.perSecond.values()]
  const peak = Math.max(...counts)
  const nearRotation = ROTATIONS.map((r) => {
    let max = 0
    const from = Math.floor((r - T0) / 1000)
    for (let s = from; s < from + 15 * 60; s++) max = Math.max(max, result.perSecond.get(s) ?? 0)
    return max
  })
  return {
    fleet: result.name,
    'KMS requests': result.requests,
    'mean /s': (result.requests / seconds).toFixed(2),
    'peak /s': peak,
    'peak /s after each rotation': nearRotation.join(' / '),
    [`seconds over ${QUOTA}/s`]: counts.filter((c) => c > QUOTA).length,
    'seconds with > 100': counts.filter((c) => c > 100).length,
    're-reads of the same version': result.sameVersion,
    'failed reads': result.failedReads,
  }
}

const started = performance.now()
const results: FleetResult[] = []
for (const [name, options] of [
  ['unjittered', { refreshAheadRatio: 1, rotationSpreadMs: 0 }],
  ['no spread', { rotationSpreadMs: 0 }],
  ['defaults', {}],
] as const) {
  results.push(await simulate(name, options))
}
console.log(
  `Fleet of ${PROCESSES} processes started within ${START_WINDOW_MS / 1000} s, ${HOURS} h simulated, ` +
    `TTL 1 h, rotation every hour at :30, each process reads every ${READ_EVERY_MS / 1000} s, ` +
    `KMS latency ${KMS_LATENCY_MS} ms (${((performance.now() - started) / 1000).toFixed(1)} s of real time)`,
)
console.table(results.map(report))
