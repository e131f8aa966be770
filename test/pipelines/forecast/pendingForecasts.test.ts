import { PendingForecasts } from '../../../pipelines/forecast/pendingForecasts';
import { TypedArena } from '../../../pipelines/forecast/typedArena';

function covering(pending: PendingForecasts, k: number): number[] {
  const out = new Int32Array(pending.maxCovering);
  const n = pending.covering(k, out);
  return [...out.subarray(0, n)].map((slot) => pending.firstOf(slot));
}

describe('PendingForecasts', () => {
  it('finds the forecasts whose horizon holds an interval, oldest first', () => {
    const pending = new PendingForecasts(4, 1, 1, 1, new TypedArena());
    for (const k of [100, 101, 102, 103]) pending.claim(k);
    expect(covering(pending, 103)).toEqual([100, 101, 102, 103]);
    expect(covering(pending, 104)).toEqual([101, 102, 103]);
    // Issuing at 104 takes the slot of 100, whose horizon 100..103 is over.
    pending.claim(104);
    expect(covering(pending, 104)).toEqual([101, 102, 103, 104]);
    expect(covering(pending, 107)).toEqual([104]);
  });

  it('skips issue times at which nothing was issued', () => {
    const pending = new PendingForecasts(8, 2, 1, 1, new TypedArena());
    expect(pending.maxCovering).toBe(4);
    pending.claim(10);
    pending.claim(14);
    expect(covering(pending, 15)).toEqual([10, 14]);
    expect(covering(pending, 18)).toEqual([14]);
  });

  it('keeps what each forecast froze in its own slot', () => {
    const pending = new PendingForecasts(2, 1, 3, 2, new TypedArena());
    const a = pending.claim(50);
    const b = pending.claim(51);
    pending.frozen.set([1, 2, 3], a * 3);
    pending.frozen.set([4, 5, 6], b * 3);
    expect([...pending.frozen.subarray(a * 3, a * 3 + 3)]).toEqual([1, 2, 3]);
    expect(pending.bands.length).toBe(4);
  });

  it('grows its storage as issue times first come, keeping what is stored', () => {
    const pending = new PendingForecasts(96, 1, 2, 3, new TypedArena());
    expect(pending.frozen.length).toBe(0);
    const first = pending.claim(1000);
    pending.frozen.set([7, 8], first * 2);
    for (let k = 1001; k < 1005; k++) pending.claim(k);
    // Five issue times hold eight slots (grown by doubling), not the horizon's 96.
    expect(pending.frozen.length).toBe(8 * 2);
    expect(pending.bands.length).toBe(8 * 3);
    expect([...pending.frozen.subarray(first * 2, first * 2 + 2)]).toEqual([7, 8]);
    expect(covering(pending, 1004)).toEqual([1000, 1001, 1002, 1003, 1004]);
    // A horizon later, the same places are taken again: no more storage.
    for (let k = 1096; k < 1101; k++) pending.claim(k);
    expect(pending.frozen.length).toBe(8 * 2);
    expect(covering(pending, 1100)).toEqual([1096, 1097, 1098, 1099, 1100]);
  });
});
