/**
 * The operations that are running (API calls, rotations, scheduler ticks), so close() can wait
 * for them before it closes the database engines they use.
 */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>()

  /** Number of operations still running. */
  get size(): number {
    return this.running.size
  }

  /** Registers `result` until it settles; returns it as a promise. */
  track<T>(result: T | Promise<T>): Promise<T> {
    const work = Promise.resolve(result)
    this.running.add(work)
    const forget = () => {
      this.running.delete(work)
    }
    work.then(forget, forget)
    return work
  }

  /**
   * Waits until every registered operation settled (including ones registered meanwhile), or
   * `timeoutMs` passed. Resolves with whether everything settled; never rejects.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs)
    })
    try {
      while (this.running.size > 0) {
        const settled = Promise.allSettled([...this.running]).then(() => true as const)
        if (!(await Promise.race([settled, timedOut]))) return false
      }
      return true
    } finally {
      clearTimeout(timer)
    }
  }
}
