/** A stretch in which this thread ran no timer: it was busy (or descheduled) for `ms` ending at `at` (epoch ms). */
export interface Stall {
  at: number;
  ms: number;
}

/** Ticks later than this past their due time count as a stall: below it is timer jitter. */
const STALL_THRESHOLD_MS = 50;

/**
 * Watches this thread with a timer every `everyMs`: each tick that comes more than
 * 50 ms late records a stall of its lateness. The latency scenario runs the pipeline on
 * this thread, and a reading waits in the broker for as long as the thread is stalled;
 * a stall just before a window's closing reading delays that window's statuses by as
 * much, whatever the pipeline does with the reading itself.
 */
export function watchStalls(everyMs = 10, clock: () => number = Date.now): { stop(): Stall[] } {
  const stalls: Stall[] = [];
  let last = clock();
  const timer = setInterval(() => {
    const now = clock();
    const late = now - last - everyMs;
    if (late > STALL_THRESHOLD_MS) stalls.push({ at: now, ms: late });
    last = now;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return stalls;
    },
  };
}

/** How long of `from ..< to` (epoch ms) the stalls cover (each stall being `at - ms ..< at`). */
export function stalledWithin(stalls: readonly Stall[], from: number, to: number): number {
  let covered = 0;
  for (const { at, ms } of stalls) covered += Math.max(0, Math.min(at, to) - Math.max(at - ms, from));
  return covered;
}
