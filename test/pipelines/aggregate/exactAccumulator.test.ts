import { ExactAccumulator } from '../../../pipelines/aggregate/exactAccumulator';
import { ExactSum, addExact, mergeExact, roundExact } from '../../../pipelines/aggregate/exactSum';
import { seededRandom } from '../../../benchmarks/simulator/fleet';

/** Shewchuk's sum of `values`, term by term: the reference. */
const reference = (values: number[]): ExactSum => {
  const sum: ExactSum = [];
  for (const v of values) addExact(sum, v);
  return sum;
};

/** Whether two exact sums have the same value: their difference, exactly, is zero. */
const sameValue = (a: ExactSum, b: ExactSum): boolean => {
  const difference: ExactSum = [...a];
  for (const x of b) addExact(difference, -x);
  return roundExact(difference) === 0;
};

const accumulated = (values: number[]): ExactSum => {
  const accumulator = new ExactAccumulator(1);
  for (const v of values) accumulator.add(0, v);
  const sum: ExactSum = [];
  accumulator.drainInto(0, sum);
  return sum;
};

describe('ExactAccumulator', () => {
  it('gives the value Shewchuk term by term gives, for terms of every magnitude and sign', () => {
    const random = seededRandom(11);
    for (let round = 0; round < 200; round++) {
      const values = Array.from({ length: 1 + Math.floor(random() * 300) }, () => {
        // Exponents from the subnormals up, the spill ranges included, short of where a sum overflows.
        const exponent = Math.floor(random() * 2075) - 1074;
        const sign = random() < 0.5 ? -1 : 1;
        return sign * (1 + random()) * 2 ** exponent;
      });
      const sum = accumulated(values);
      expect(sameValue(sum, reference(values))).toBe(true);
      expect(roundExact(sum)).toBe(roundExact(reference(values)));
    }
  });

  it('is exact where plain addition drifts, for telemetry-like values and at the edges of its chunks', () => {
    const random = seededRandom(12);
    const readings = Array.from({ length: 5000 }, () => Math.round((random() - 0.3) * 74_000) / 10);
    expect(roundExact(accumulated(readings))).toBe(roundExact(reference(readings)));
    expect(roundExact(accumulated([0.1, 0.2, 0.3]))).toBe(0.6);
    expect(roundExact(accumulated([1e100, 1, -1e100]))).toBe(1);
    const edges = [
      2 ** -900,
      -(2 ** -901),
      2 ** 900 * 1.999,
      2 ** 901,
      2 ** 31,
      2 ** 32,
      -(2 ** 32 - 1),
      0,
      -0,
    ];
    expect(sameValue(accumulated(edges), reference(edges))).toBe(true);
  });

  it('stays exact past the number of terms a chunk can hold', () => {
    // Terms just under a chunk's top, all of one sign: 2^21 of them would take the
    // chunk's double past 2^53 units, where it could no longer hold them exactly.
    const values = Array.from({ length: 2 ** 21 + 1000 }, (_, i) => 2 ** 32 - 1 - (i % 7) + 0.25 * (i % 3));
    const sum = accumulated(values);
    expect(sameValue(sum, reference(values))).toBe(true);
  });

  it('keeps its sums apart, adds into what the target held, and starts again from zero after a drain', () => {
    const accumulator = new ExactAccumulator(3);
    accumulator.add(0, 0.1);
    accumulator.add(1, 1e300);
    accumulator.add(2, 2 ** -1000);
    accumulator.add(0, 0.2);
    const target: ExactSum = [0.3];
    accumulator.drainInto(0, target);
    expect(roundExact(target)).toBe(0.6);
    const big: ExactSum = [];
    accumulator.drainInto(1, big);
    expect(roundExact(big)).toBe(1e300);
    const tiny: ExactSum = [];
    accumulator.drainInto(2, tiny);
    expect(roundExact(tiny)).toBe(2 ** -1000);
    const again: ExactSum = [];
    accumulator.drainInto(0, again);
    accumulator.drainInto(1, again);
    expect(again).toEqual([]);
    accumulator.add(0, 5);
    accumulator.drainInto(0, again);
    expect(roundExact(again)).toBe(5);
  });

  it('merges like any exact sum: drained in parts and merged, the value is the whole', () => {
    const random = seededRandom(13);
    const values = Array.from({ length: 3000 }, () => (random() - 0.5) * 10 ** Math.floor(random() * 15));
    const accumulator = new ExactAccumulator(1);
    const parts: ExactSum[] = [[], [], []];
    values.forEach((v, i) => {
      accumulator.add(0, v);
      if (i % 1000 === 999) accumulator.drainInto(0, parts[Math.floor(i / 1000)]!);
    });
    const merged: ExactSum = [];
    for (const part of parts) mergeExact(merged, part);
    expect(roundExact(merged)).toBe(roundExact(reference(values)));
  });
});
