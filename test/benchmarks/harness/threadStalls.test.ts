import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  formatStalls,
  stallTotals,
  stalledWithin,
  threadSchedMs,
  watchStalls,
} from '../../../benchmarks/harness/threadStalls';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('watchStalls', () => {
  it('records a stretch in which the thread was busy as a stall at least as long, ending when it ended', async () => {
    const watch = watchStalls(10);
    await pause(50);
    const busyFrom = Date.now();
    while (Date.now() - busyFrom < 300) {
      // Busy: no timer can run.
    }
    const busyTo = Date.now();
    await pause(50);
    const stalls = watch.stop();
    const stall = stalls.find((s) => s.at >= busyTo);
    expect(stall).toBeDefined();
    // The tick due last before the busy stretch ran at most 10 ms before it.
    expect(stall!.ms).toBeGreaterThanOrEqual(300 - 10);
    expect(stall!.at - stall!.ms).toBeLessThanOrEqual(busyFrom + 10);
    // Busy is on a core or waiting for one (a shared machine), never asleep.
    expect(stall!.runningMs + stall!.runnableMs).toBeGreaterThanOrEqual(300 - 20);
    expect(stall!.sleepingMs).toBeLessThan(50);
  });

  it('tells a thread blocked in a system call from a busy one', async () => {
    const watch = watchStalls(10);
    await pause(50);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
    await pause(50);
    const stall = watch.stop().find((s) => s.ms >= 250);
    expect(stall).toBeDefined();
    expect(stall!.sleepingMs).toBeGreaterThanOrEqual(250);
    expect(stall!.runningMs).toBeLessThan(50);
  });

  it("counts V8's garbage collection pauses within a stall", async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const kept = Array.from({ length: 300_000 }, (_, i) => ({ i, text: String(i) }));
    const watch = watchStalls(10);
    await pause(50);
    const busyFrom = Date.now();
    while (Date.now() - busyFrom < 300) gc();
    await pause(50);
    const stall = watch.stop().find((s) => s.ms >= 250);
    expect(kept).toHaveLength(300_000);
    expect(stall).toBeDefined();
    expect(stall!.gcMs).toBeGreaterThan(100);
    expect(stall!.gcMs).toBeLessThanOrEqual(stall!.ms + 10);
  });

  it('records nothing once stopped', async () => {
    const watch = watchStalls(10);
    const before = watch.stop().length;
    const busyFrom = Date.now();
    while (Date.now() - busyFrom < 120) {
      // Busy after the stop.
    }
    await pause(30);
    expect(watch.stop()).toHaveLength(before);
  });
});

describe('threadSchedMs', () => {
  it("grows this thread's time on a core by about the time it spins", () => {
    const before = threadSchedMs();
    const from = Date.now();
    while (Date.now() - from < 100) {
      // Spin.
    }
    const after = threadSchedMs();
    const spent = after.running - before.running + (after.runnable - before.runnable);
    expect(spent).toBeGreaterThanOrEqual(90);
    expect(spent).toBeLessThan(200);
  });
});

describe('stalledWithin', () => {
  const stalls = [
    { at: 1_000, ms: 300 }, // 700 ..< 1000
    { at: 2_000, ms: 100 }, // 1900 ..< 2000
    { at: 5_000, ms: 1_000 }, // 4000 ..< 5000
  ];

  it('adds up the parts of the stalls inside the span', () => {
    expect(stalledWithin(stalls, 0, 10_000)).toBe(1_400);
    expect(stalledWithin(stalls, 800, 1_950)).toBe(200 + 50);
    expect(stalledWithin(stalls, 4_500, 4_600)).toBe(100);
  });

  it('counts nothing of stalls outside the span, or of an empty one', () => {
    expect(stalledWithin(stalls, 1_000, 1_900)).toBe(0);
    expect(stalledWithin(stalls, 3_000, 3_000)).toBe(0);
    expect(stalledWithin([], 0, 10_000)).toBe(0);
  });
});

describe('stallTotals and formatStalls', () => {
  it('adds up each part and says them', () => {
    const totals = stallTotals([
      { at: 1_000, ms: 300, runningMs: 250, runnableMs: 40, sleepingMs: 20, gcMs: 30 },
      { at: 2_000, ms: 1_100, runningMs: 700, runnableMs: 400, sleepingMs: 10, gcMs: 5 },
    ]);
    expect(totals).toEqual({
      count: 2,
      ms: 1_400,
      runningMs: 950,
      runnableMs: 440,
      sleepingMs: 30,
      gcMs: 35,
    });
    expect(formatStalls(totals)).toBe(
      '2 stalls, 1,400 ms: on a core 950 ms (GC 35 ms), waiting for one 440 ms, asleep 30 ms',
    );
    expect(formatStalls(stallTotals([]))).toBe(
      '0 stalls, 0 ms: on a core 0 ms (GC 0 ms), waiting for one 0 ms, asleep 0 ms',
    );
  });
});
