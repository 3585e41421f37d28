/** Which rotation a phase of the demo shows. */
export type RotationKind = 'dual' | 'single'

/** One sampling interval of the demo (the live view and the report are built from these). */
export interface DemoSample {
  /** End of the interval, in ms since the workers started. */
  atMs: number
  /** Length of the interval in ms (the last one may be shorter). */
  intervalMs: number
  /** Which phase the workers were in. */
  phase: RotationKind
  /** Queries completed in the interval. */
  queries: number
  /** Queries that failed in the interval (the number that matters: 0). */
  failed: number
  /** GetSecretValue calls the emulator answered in the interval. */
  kmsCalls: number
  /** Query latency in the interval, ms (undefined when no query completed). */
  p50Ms: number | undefined
  p99Ms: number | undefined
  /** The database account the last query of the interval ran as. */
  account: string | undefined
}

/** A rotation the emulator carried out, as the demo saw it. */
export interface DemoRotation {
  /** When the demo saw the new version, in ms since the workers started. */
  atMs: number
  kind: RotationKind
  /** The account `ACSCurrent` names after the rotation. */
  account: string
}

/** Everything a demo run observed. */
export interface DemoResult {
  /** `postgres`, `mariadb`, `mysql`. */
  db: string
  /** The package the workers queried through, e.g. `@org/secret-pg`. */
  driver: string
  /** ISO time the workers started. */
  startedAt: string
  durationMs: number
  workers: number
  rotationIntervalMs: number
  /** Stopped early (Ctrl-C). */
  interrupted: boolean
  samples: DemoSample[]
  rotations: DemoRotation[]
  totals: {
    queries: number
    failed: number
    kmsCalls: number
    /** Accounts the queries ran as, in order of first appearance. */
    accounts: string[]
    p50Ms: number | undefined
    p99Ms: number | undefined
  }
}
