/**
 * Tumbling event-time windows of length `W`, aligned to the epoch (SEMANTICS.md §3):
 * a reading at `ts` belongs to `[floor(ts/W)*W, floor(ts/W)*W + W)`. Windows are named
 * by their end throughout derstream, since that is the instant that decides
 * membership, freshness and emission.
 */
export function windowEndOf(ts: number, windowMs: number): number {
  return Math.floor(ts / windowMs) * windowMs + windowMs;
}
