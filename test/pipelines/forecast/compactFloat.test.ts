import { fromCompact, fromOrderKey, orderKey, toCompact } from '../../../pipelines/forecast/compactFloat';
import { seededRandom } from '../../../benchmarks/simulator/fleet';

describe('compactFloat', () => {
  it('gives every code back from its own value, so a value stored twice is stored once', () => {
    const changed: number[] = [];
    for (let code = 0; code < 1 << 16; code++) {
      if (toCompact(fromCompact(code)) !== code) changed.push(code);
    }
    // -0 is the one code with no value of its own: it reads as 0.
    expect(changed).toEqual([0x8000]);
  });

  it('holds a value to within 2^-10 of it, with its sign, over the range of errors in W, % and Wh', () => {
    const random = seededRandom(11);
    let worst = 0;
    let signsKept = 0;
    for (let i = 0; i < 100_000; i++) {
      // Magnitudes from 1e-6 to 1e11, either sign.
      const value = (random() < 0.5 ? -1 : 1) * 10 ** (random() * 17 - 6);
      const back = fromCompact(toCompact(value));
      if (Math.sign(back) === Math.sign(value)) signsKept++;
      worst = Math.max(worst, Math.abs(back - value) / Math.abs(value));
    }
    expect(signsKept).toBe(100_000);
    expect(worst).toBeLessThanOrEqual(2 ** -10);
    expect(worst).toBeGreaterThan(2 ** -11);
    expect(fromCompact(toCompact(1500))).toBe(1500);
    expect(fromCompact(toCompact(-0.25))).toBe(-0.25);
    // Halfway between 1 and its neighbour 1 + 2^-9 goes away from zero.
    expect(fromCompact(toCompact(1 + 2 ** -10))).toBe(1 + 2 ** -9);
  });

  it('keeps the order of values', () => {
    const random = seededRandom(12);
    const values = Array.from({ length: 20_000 }, () => (random() - 0.5) * 10 ** (random() * 12 - 4));
    values.sort((a, b) => a - b);
    const back = values.map((v) => fromCompact(toCompact(v)));
    expect(back.filter((v, i) => i > 0 && v < back[i - 1]!)).toEqual([]);
    // The order keys of codes are in the order of their values, and give the codes back.
    const keys = values.map((v) => orderKey(toCompact(v)));
    expect(keys.filter((k, i) => i > 0 && k < keys[i - 1]!)).toEqual([]);
    expect(keys.filter((k, i) => (k === keys[i - 1]) !== (back[i] === back[i - 1]))).toEqual([]);
    expect(keys.every((k, i) => fromCompact(fromOrderKey(k)) === back[i])).toBe(true);
  });

  it('rounds a carry into the next power of two, takes tiny values to zero and caps huge ones', () => {
    expect(fromCompact(toCompact(2 - 2 ** -12))).toBe(2);
    expect(fromCompact(toCompact(2 ** -23))).toBe(2 ** -23);
    // Below 2^-23 the steps are 2^-32.
    expect(fromCompact(toCompact(3 * 2 ** -34))).toBe(2 ** -32);
    expect(fromCompact(toCompact(3 * 2 ** -33))).toBe(2 ** -31);
    expect(fromCompact(toCompact(2 ** -40))).toBe(0);
    expect(toCompact(0)).toBe(0);
    expect(toCompact(NaN)).toBe(0);
    const largest = fromCompact(0x7fff);
    expect(largest).toBeGreaterThan(1e12);
    expect(fromCompact(toCompact(1e15))).toBe(largest);
    expect(fromCompact(toCompact(-Infinity))).toBe(-largest);
  });
});
