/**
 * After a scheduled rotation (`NextRotationDate`) we keep serving the cached version this much
 * longer before it expires: KMS needs a moment to finish the rotation, and reading exactly at the
 * scheduled instant would likely return the old version again.
 */
export const ROTATION_GRACE_MS = 30_000

/**
 * Smallest lifetime the rotation cap can impose. When `NextRotationDate` is in the past (rotation
 * overdue or still running) capping at "now" would expire the entry instantly on every read and
 * hammer KMS; instead the entry is re-read at most once per this interval until the date moves.
 */
export const ROTATION_FLOOR_MS = 60_000

/** When an entry expires and when a hit starts refreshing it ahead of expiry. */
export interface EntryLifetime {
  /** Epoch ms after which a read refreshes synchronously. */
  expiresAt: number
  /** Epoch ms after which a hit returns the value and refreshes in the background. */
  refreshAt: number
}

/**
 * Computes an entry's lifetime: `ttlMs` from `now`, with a refresh-ahead point at a per-entry
 * random fraction of it in `(ratio - 0.1, ratio]`, so entries loaded together (a fleet starting at
 * once) do not refresh in lockstep. `ratio >= 1` disables refresh-ahead.
 *
 * A `nextRotationDate` before that expiry caps the entry instead: the version after the rotation
 * is read once it exists, at `rotation + ROTATION_GRACE_MS` (floored at `ROTATION_FLOOR_MS` from
 * now) plus a per-entry random delay in `[0, rotationSpreadMs)`, in the background when a hit comes
 * by (`refreshAt`), at the latest `rotationSpreadMs` later (`expiresAt`) — never past the TTL.
 * Without the spread every
 * process of a fleet would expire the secret in the same second after a scheduled rotation; and no
 * refresh-ahead happens before the rotation, where it could only re-read the old version.
 */
export function entryLifetime(
  now: number,
  ttlMs: number,
  nextRotationDate: string | undefined,
  refreshAheadRatio: number,
  random: () => number,
  rotationSpreadMs = 0,
): EntryLifetime {
  const expiresAt = now + ttlMs
  if (nextRotationDate !== undefined) {
    const rotation = Date.parse(nextRotationDate)
    const readable = Math.max(rotation + ROTATION_GRACE_MS, now + ROTATION_FLOOR_MS)
    // The rotation comes within the TTL: nothing is read before it.
    if (Number.isFinite(rotation) && readable < expiresAt) {
      const afterRotation = readable + random() * rotationSpreadMs
      return {
        // A spread past the TTL ends at the TTL: a read then still comes after the rotation.
        refreshAt: Math.min(afterRotation, expiresAt),
        expiresAt: Math.min(expiresAt, afterRotation + rotationSpreadMs),
      }
    }
  }
  if (refreshAheadRatio >= 1 || !Number.isFinite(expiresAt))
    return { expiresAt, refreshAt: Number.POSITIVE_INFINITY }
  const ratio = Math.max(0, refreshAheadRatio - 0.1 * random())
  return { expiresAt, refreshAt: now + (expiresAt - now) * ratio }
}

/**
 * After a refresh of an expired entry failed transiently and the stale value was served, further
 * reads get the stale value at once for this long (or the server's `retryAfterMs`, if longer)
 * instead of each waiting through another round of retries against a failing KMS. Likewise, after
 * a failed refresh of a fresh entry, the next background refresh waits this long.
 */
export const STALE_RETRY_INTERVAL_MS = 5_000
