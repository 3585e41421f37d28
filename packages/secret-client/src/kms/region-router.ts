/** Tuning of the region router; the defaults suit production, tests inject a clock. */
export interface RegionRoutingOptions {
  /**
   * Clock in milliseconds, used for latency and cool-downs.
   * @default Date.now
   */
  now?: () => number
  /**
   * How long a region is skipped after a transient failure; doubles with each consecutive failure.
   * @default 30000
   */
  cooldownMs?: number
  /**
   * Cap of one cool-down.
   * @default 300000 (5 minutes)
   */
  maxCooldownMs?: number
  /**
   * Weight of the newest latency sample in the moving average (0 < alpha ≤ 1).
   * @default 0.3
   */
  latencyAlpha?: number
}

/** A region's health as the router sees it. */
export interface RegionHealth {
  /** Position of the region in the configured list. */
  index: number
  /** Label used in logs, e.g. `cn-hangzhou`. */
  regionId: string
  /** Moving average of successful call latency, `undefined` until one call succeeded. */
  latencyMs: number | undefined
  /** Transient failures since the last success. */
  consecutiveFailures: number
  /** Clock time until which the region is skipped (0 when it is not cooling down). */
  coolingUntil: number
  /** Clock time of the last failure (`undefined` when it never failed). */
  lastFailureAt: number | undefined
}

/**
 * Chooses which region a call goes to. Healthy regions are ordered unmeasured first (so every
 * region gets measured), then by the moving average of real request latency. A region that failed
 * transiently cools down for `cooldownMs · 2^(failures-1)`; when every region is cooling, only the
 * least recently failed one is tried. It keeps no timers: everything is computed from the clock
 * when a call plans its route.
 */
export class RegionRouter {
  readonly #regions: RegionHealth[]
  readonly #now: () => number
  readonly #cooldownMs: number
  readonly #maxCooldownMs: number
  readonly #alpha: number

  /** @param regionIds - labels of the configured regions, in configuration order */
  constructor(regionIds: readonly string[], options: RegionRoutingOptions = {}) {
    this.#regions = regionIds.map((regionId, index) => ({
      index,
      regionId,
      latencyMs: undefined,
      consecutiveFailures: 0,
      coolingUntil: 0,
      lastFailureAt: undefined,
    }))
    this.#now = options.now ?? Date.now
    this.#cooldownMs = options.cooldownMs ?? 30_000
    this.#maxCooldownMs = options.maxCooldownMs ?? 300_000
    this.#alpha = options.latencyAlpha ?? 0.3
  }

  /** Current clock time. */
  now(): number {
    return this.#now()
  }

  /** Indexes of the regions one call tries, in order. Never empty. */
  plan(): number[] {
    const now = this.#now()
    const healthy = this.#regions.filter((region) => region.coolingUntil <= now)
    if (healthy.length === 0) {
      let oldest = this.#regions[0]!
      for (const region of this.#regions) {
        if ((region.lastFailureAt ?? 0) < (oldest.lastFailureAt ?? 0)) oldest = region
      }
      return [oldest.index]
    }
    return healthy
      .sort((a, b) => {
        if (a.latencyMs === undefined || b.latencyMs === undefined) {
          if (a.latencyMs === b.latencyMs) return a.index - b.index
          return a.latencyMs === undefined ? -1 : 1
        }
        return a.latencyMs - b.latencyMs || a.index - b.index
      })
      .map((region) => region.index)
  }

  /** Records a successful call: ends any cool-down and feeds the latency average. */
  succeeded(index: number, latencyMs: number): void {
    const region = this.#regions[index]
    if (!region) return
    const sample = Math.max(0, latencyMs)
    region.latencyMs =
      region.latencyMs === undefined
        ? sample
        : this.#alpha * sample + (1 - this.#alpha) * region.latencyMs
    region.consecutiveFailures = 0
    region.coolingUntil = 0
  }

  /** Records a transient failure and starts (or lengthens) the region's cool-down. */
  failed(index: number): void {
    const region = this.#regions[index]
    if (!region) return
    const now = this.#now()
    region.consecutiveFailures += 1
    region.lastFailureAt = now
    const backoff = this.#cooldownMs * 2 ** Math.min(region.consecutiveFailures - 1, 30)
    region.coolingUntil = now + Math.min(this.#maxCooldownMs, backoff)
  }

  /** A snapshot of every region's health, in configuration order. */
  health(): RegionHealth[] {
    return this.#regions.map((region) => ({ ...region }))
  }
}
