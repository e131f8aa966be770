import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';

/**
 * A stretch in which this thread ran no timer: `ms` ending at `at` (epoch ms). Over the
 * timer's whole interval (the stall and the tick before it), what the thread did, from
 * Linux's scheduler statistics: `runningMs` on a core (JavaScript, or V8 pausing it for
 * garbage collection, `gcMs` of it by V8's own count), `runnableMs` ready but waiting
 * for a core (the machine's other work had them), and `sleepingMs` neither: blocked
 * in a system call.
 */
export interface Stall {
  at: number;
  ms: number;
  runningMs: number;
  runnableMs: number;
  sleepingMs: number;
  gcMs: number;
}

/** Ticks later than this past their due time count as a stall: below it is timer jitter. */
const STALL_THRESHOLD_MS = 50;

/**
 * This thread's time on a core and time waiting for one so far, ms (Linux's
 * /proc/thread-self/schedstat, in ns): unlike /proc's CPU ticks, exact enough to split
 * a stall of 50 ms.
 */
export function threadSchedMs(): { running: number; runnable: number } {
  const [running, runnable] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
  return { running: Number(running) / 1e6, runnable: Number(runnable) / 1e6 };
}

/**
 * Watches this thread with a timer every `everyMs`: each tick that comes more than
 * 50 ms late records a stall of its lateness, and whether the thread was busy, GC
 * included, or waited for a core meanwhile. The latency scenario runs the pipeline on
 * this thread, and a reading waits in the broker for as long as the thread is stalled;
 * a stall just before a window's closing reading delays that window's statuses by as
 * much, whatever the pipeline does with the reading itself.
 */
export function watchStalls(everyMs = 10): { stop(): Stall[] } {
  const stalls: Stall[] = [];
  const pauses: { from: number; to: number }[] = [];
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const from = performance.timeOrigin + entry.startTime;
      pauses.push({ from, to: from + entry.duration });
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  let last = Date.now();
  let lastSched = threadSchedMs();
  const timer = setInterval(() => {
    const now = Date.now();
    const sched = threadSchedMs();
    const late = now - last - everyMs;
    if (late > STALL_THRESHOLD_MS) {
      const runningMs = Math.round(sched.running - lastSched.running);
      const runnableMs = Math.round(sched.runnable - lastSched.runnable);
      stalls.push({
        at: now,
        ms: late,
        runningMs,
        runnableMs,
        sleepingMs: Math.max(0, now - last - runningMs - runnableMs),
        gcMs: 0,
      });
    }
    last = now;
    lastSched = sched;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      gc.disconnect();
      for (const stall of stalls) {
        const from = stall.at - stall.ms - everyMs;
        let paused = 0;
        for (const pause of pauses)
          paused += Math.max(0, Math.min(pause.to, stall.at) - Math.max(pause.from, from));
        stall.gcMs = Math.round(paused);
      }
      return stalls;
    },
  };
}

/** How long of `from ..< to` (epoch ms) the stalls cover (each stall being `at - ms ..< at`). */
export function stalledWithin(stalls: readonly Pick<Stall, 'at' | 'ms'>[], from: number, to: number): number {
  let covered = 0;
  for (const { at, ms } of stalls) covered += Math.max(0, Math.min(at, to) - Math.max(at - ms, from));
  return covered;
}

/** The stalls' times added up (their intervals' parts, so the parts may exceed `ms` by a tick each). */
export type StallTotals = { count: number } & Omit<Stall, 'at'>;

export function stallTotals(stalls: readonly Stall[]): StallTotals {
  const totals: StallTotals = {
    count: stalls.length,
    ms: 0,
    runningMs: 0,
    runnableMs: 0,
    sleepingMs: 0,
    gcMs: 0,
  };
  for (const stall of stalls) {
    totals.ms += stall.ms;
    totals.runningMs += stall.runningMs;
    totals.runnableMs += stall.runnableMs;
    totals.sleepingMs += stall.sleepingMs;
    totals.gcMs += stall.gcMs;
  }
  return totals;
}

/** `3 stalls, 1,200 ms: on a core 900 ms (GC 40 ms), waiting for one 250 ms, asleep 80 ms`. */
export function formatStalls(totals: StallTotals): string {
  const ms = (value: number) => `${Math.round(value).toLocaleString('en-US')} ms`;
  return `${totals.count} stall${totals.count === 1 ? '' : 's'}, ${ms(totals.ms)}: on a core ${ms(totals.runningMs)} (GC ${ms(totals.gcMs)}), waiting for one ${ms(totals.runnableMs)}, asleep ${ms(totals.sleepingMs)}`;
}
