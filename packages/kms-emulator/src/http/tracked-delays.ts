/**
 * Timers for fault latency that close() can release at once, so a delayed request never keeps
 * the process alive.
 */
export class TrackedDelays {
  private readonly pending = new Map<ReturnType<typeof setTimeout>, () => void>()

  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer)
        resolve()
      }, ms)
      this.pending.set(timer, resolve)
    })
  }

  /** Clears every timer and resolves its waiter. */
  releaseAll(): void {
    for (const [timer, resolve] of this.pending) {
      clearTimeout(timer)
      resolve()
    }
    this.pending.clear()
  }
}
