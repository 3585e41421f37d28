/** Sockets and timers alive in this process, counted by resource type. */
export interface HandleCounts {
  sockets: number
  timers: number
}

/** Counts the TCP sockets and timers `process.getActiveResourcesInfo()` reports right now. */
export function openHandleCounts(): HandleCounts {
  let sockets = 0
  let timers = 0
  for (const type of process.getActiveResourcesInfo()) {
    if (type === 'TCPSocketWrap') sockets += 1
    else if (type === 'Timeout') timers += 1
  }
  return { sockets, timers }
}

/**
 * Waits (up to `maxWaitMs`) until no more sockets and timers are alive than in `baseline`, and
 * returns the counts, capped at the baseline, so `expect(await waitForHandles(b)).toEqual(b)`
 * passes exactly when nothing leaked. Sockets close a few ticks after `end()` resolves; a keep-alive
 * socket closing meanwhile may take the counts below the baseline, which is not a leak.
 * @default maxWaitMs 3000
 */
export async function waitForHandles(
  baseline: HandleCounts,
  maxWaitMs = 3000,
): Promise<HandleCounts> {
  const deadline = Date.now() + maxWaitMs
  let counts = openHandleCounts()
  while (
    (counts.sockets > baseline.sockets || counts.timers > baseline.timers) &&
    Date.now() < deadline
  ) {
    await new Promise<void>((resolve) => setImmediate(resolve))
    await new Promise<void>((resolve) => setTimeout(resolve, 20))
    counts = openHandleCounts()
  }
  return {
    sockets: Math.max(counts.sockets, baseline.sockets),
    timers: Math.max(counts.timers, baseline.timers),
  }
}
