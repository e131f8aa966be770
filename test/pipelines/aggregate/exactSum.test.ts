import { ExactSum, addExact, mergeExact, roundExact } from '../../../pipelines/aggregate/exactSum';
import { seededRandom } from '../../../benchmarks/simulator/fleet';

const exact = (values: number[]) => {
  const sum: ExactSum = [];
  for (const v of values) addExact(sum, v);
  return roundExact(sum);
};

describe('exact summation', () => {
  it('gives the correctly rounded sum where plain addition drifts', () => {
    expect(0.1 + 0.2 + 0.3).not.toBe(0.6);
    expect(exact([0.1, 0.2, 0.3])).toBe(0.6);
    expect(exact([1e100, 1, -1e100])).toBe(1);
    expect(exact(Array(10).fill(0.1))).toBe(1);
    expect(exact([])).toBe(0);
  });

  it('is independent of order and of how the terms were split into partial sums', () => {
    const random = seededRandom(9);
    const values = Array.from({ length: 5000 }, () => (random() - 0.4) * 10 ** Math.floor(random() * 12));
    const reference = exact(values);
    for (let round = 0; round < 20; round++) {
      const shuffled = [...values].sort(() => random() - 0.5);
      const parts: ExactSum[] = [[], [], []];
      shuffled.forEach((v, i) => addExact(parts[i % 3]!, v));
      const merged: ExactSum = [];
      for (const part of JSON.parse(JSON.stringify(parts)) as ExactSum[]) mergeExact(merged, part);
      expect(roundExact(merged)).toBe(reference);
    }
  });
});
