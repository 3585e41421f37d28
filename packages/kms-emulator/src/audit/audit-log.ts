/** One recorded API call. Never holds a secret value. */
export interface AuditEntry {
  /** Wall-clock time the call arrived (ms since epoch). */
  time: number
  requestId: string
  /** `undefined` when the request named no action. */
  action: string | undefined
  secretName: string | undefined
  /** `undefined` when authentication failed before a key was identified. */
  accessKeyId: string | undefined
  /** `'OK'` or the KMS error code; `'ConnectionReset'` when a fault destroyed the socket. */
  code: string
  /** HTTP status; 0 when no response was sent. */
  httpStatus: number
  latencyMs: number
  /** Id of the fault rule that affected the call, if any. */
  faultId?: number
}

/** Per-action call counters. */
export interface ActionCounters {
  calls: number
  ok: number
  errors: number
  /** Calls per result code (`'OK'` included). */
  byCode: Record<string, number>
}

/** Counter key of calls that named no action. */
export const NO_ACTION = '(none)'
/** Counter key of calls that named an action the emulator does not know. */
export const UNKNOWN_ACTION = '(unknown)'

/**
 * Bounded audit log plus per-action counters. Only known actions get a counter of their own:
 * the action name of an unauthenticated request is caller-chosen, so every unknown one shares
 * {@link UNKNOWN_ACTION} and the counters cannot grow without bound. Counters survive audit truncation; both are reset
 * by {@link AuditLog.reset}.
 */
export class AuditLog {
  private entries: AuditEntry[] = []
  private readonly counters = new Map<string, ActionCounters>()

  /**
   * @param maxEntries - oldest entries are dropped beyond this
   * @param knownActions - actions counted under their own name
   */
  constructor(
    private readonly maxEntries: number,
    private readonly knownActions: ReadonlySet<string>,
  ) {}

  record(entry: AuditEntry): void {
    this.entries.push(entry)
    if (this.entries.length > this.maxEntries)
      this.entries.splice(0, this.entries.length - this.maxEntries)
    const key =
      entry.action === undefined
        ? NO_ACTION
        : this.knownActions.has(entry.action)
          ? entry.action
          : UNKNOWN_ACTION
    let c = this.counters.get(key)
    if (!c) {
      c = { calls: 0, ok: 0, errors: 0, byCode: {} }
      this.counters.set(key, c)
    }
    c.calls += 1
    if (entry.code === 'OK') c.ok += 1
    else c.errors += 1
    c.byCode[entry.code] = (c.byCode[entry.code] ?? 0) + 1
  }

  /** A copy of the recorded entries, oldest first. */
  list(): AuditEntry[] {
    return this.entries.map((e) => ({ ...e }))
  }

  /** Counters of one action (zeros when never called). */
  countersFor(action: string): ActionCounters {
    const c = this.counters.get(action)
    return c
      ? { calls: c.calls, ok: c.ok, errors: c.errors, byCode: { ...c.byCode } }
      : { calls: 0, ok: 0, errors: 0, byCode: {} }
  }

  /** Counters of every action called so far. */
  allCounters(): Record<string, ActionCounters> {
    const out: Record<string, ActionCounters> = {}
    for (const key of this.counters.keys()) out[key] = this.countersFor(key)
    return out
  }

  /** Forgets entries and counters. */
  reset(): void {
    this.entries = []
    this.counters.clear()
  }
}
