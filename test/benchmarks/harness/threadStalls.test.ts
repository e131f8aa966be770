import { stalledWithin, watchStalls } from '../../../benchmarks/harness/threadStalls';

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
