import type { EmulatorClock } from '../../src/index.js'

/** A clock tests move by hand. */
export class ManualClock implements EmulatorClock {
  constructor(private current = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.current
  }

  advance(ms: number): void {
    this.current += ms
  }
}

export const HOUR = 3_600_000
export const DAY = 24 * HOUR
