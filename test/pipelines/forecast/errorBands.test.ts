import { fromCompact, toCompact } from '../../../pipelines/forecast/compactFloat';
import { ErrorBands, LeadGrid } from '../../../pipelines/forecast/errorBands';
import { TypedArena } from '../../../pipelines/forecast/typedArena';
import { seededRandom } from '../../../benchmarks/simulator/fleet';

/** The band of `bands` at every lead 1..H, as [lower, upper] offsets. */
function bandByLead(grid: LeadGrid, bands: ErrorBands): [number, number][] {
  const snapshot = new Uint16Array(2 * grid.size);
  bands.snapshot(snapshot, 0);
  return Array.from({ length: grid.horizon }, (_, i) => [
    grid.interpolate(snapshot, 0, i + 1),
    grid.interpolate(snapshot, grid.size, i + 1),
  ]);
}

describe('LeadGrid', () => {
  it('keeps errors at 1, 2, 4, … and the horizon, and interpolates between them', () => {
    const grid = new LeadGrid(96);
    expect(grid.leads).toEqual([1, 2, 4, 8, 16, 32, 64, 96]);
    expect(grid.representative(64)).toBe(6);
    expect(grid.representative(65)).toBe(-1);
    const curve = Uint16Array.from([0, 1, 2, 3, 4, 5, 6, 10], toCompact);
    expect(grid.interpolate(curve, 0, 1)).toBe(0);
    expect(grid.interpolate(curve, 0, 3)).toBe(1.5);
    expect(grid.interpolate(curve, 0, 48)).toBe(5.5);
    expect(grid.interpolate(curve, 0, 80)).toBe(8);
    expect(grid.interpolate(curve, 0, 96)).toBe(10);
    expect(new LeadGrid(1).leads).toEqual([1]);
    expect(new LeadGrid(5).leads).toEqual([1, 2, 4, 5]);
  });
});

describe('ErrorBands', () => {
  it('cuts the band at the 10% and 90% quantiles of the recent errors', () => {
    const grid = new LeadGrid(4);
    const bands = new ErrorBands(grid, 11, new TypedArena());
    // Errors -5..5 at lead 1: the 10% quantile is -4, the 90% one 4 (type 7).
    for (const error of [3, -5, 0, 5, -1, 2, -4, 1, -3, 4, -2]) bands.record(1, error);
    expect(bandByLead(grid, bands)[0]).toEqual([-4, 4]);
    // A lead whose errors are not kept changes nothing.
    bands.record(3, 100);
    expect(bandByLead(grid, bands)[0]).toEqual([-4, 4]);
  });

  it('keeps only the last `window` errors of a lead', () => {
    const grid = new LeadGrid(1);
    const bands = new ErrorBands(grid, 3, new TypedArena());
    for (const error of [100, -100, 7, 8, 9]) bands.record(1, error);
    // Left: 7, 8, 9; quantiles 7.2 and 8.8, both above 0, so the band is [0, 8.8].
    const [lower, upper] = bandByLead(grid, bands)[0]!;
    expect(lower).toBe(0);
    // Kept in 16 bits: within 2^-10 of 8.8.
    expect(Math.abs(upper - 8.8)).toBeLessThanOrEqual(8.8 * 2 ** -10);
  });

  it('leaves out an error that is not a number, instead of counting it as none', () => {
    const grid = new LeadGrid(1);
    const bands = new ErrorBands(grid, 3, new TypedArena());
    for (const error of [10, NaN, 20, NaN, 30]) bands.record(1, error);
    // 10, 20, 30: quantiles 12 and 28, the band [0, 28]; with NaN as 0 it would be [0, 26].
    expect(bandByLead(grid, bands)[0]).toEqual([0, 28]);
  });

  it('always holds P50 (lower <= 0 <= upper), and is zero-width without errors', () => {
    const grid = new LeadGrid(8);
    const bands = new ErrorBands(grid, 10, new TypedArena());
    expect(bandByLead(grid, bands).every(([l, u]) => l === 0 && u === 0)).toBe(true);
    for (let i = 0; i < 10; i++) bands.record(2, -50 - i);
    for (const [lower, upper] of bandByLead(grid, bands)) {
      expect(lower).toBeLessThanOrEqual(0);
      expect(upper).toBeGreaterThanOrEqual(0);
    }
  });

  it('widens with the lead, never narrows', () => {
    const grid = new LeadGrid(96);
    const bands = new ErrorBands(grid, 96, new TypedArena());
    const random = seededRandom(2);
    for (let i = 0; i < 96; i++) {
      for (const lead of grid.leads) {
        // Errors that grow with the lead, except a lead of 16 with small ones.
        const scale = lead === 16 ? 1 : Math.sqrt(lead);
        bands.record(lead, (random() - 0.5) * 10 * scale);
      }
    }
    const band = bandByLead(grid, bands);
    for (let lead = 1; lead < 96; lead++) {
      expect(band[lead]![0]).toBeLessThanOrEqual(band[lead - 1]![0]);
      expect(band[lead]![1]).toBeGreaterThanOrEqual(band[lead - 1]![1]);
    }
    expect(band[95]![1] - band[95]![0]).toBeGreaterThan(5 * (band[0]![1] - band[0]![0]));
  });

  it('gives the type-7 quantiles of exactly the last `window` errors as kept, ties and all, as sorting them would', () => {
    const grid = new LeadGrid(8);
    const window = 37;
    const bands = new ErrorBands(grid, window, new TypedArena());
    const random = seededRandom(5);
    const kept = new Map<number, number[]>(grid.leads.map((lead) => [lead, []]));
    const typeSeven = (values: number[], q: number) => {
      const sorted = [...values].sort((a, b) => a - b);
      const position = q * (sorted.length - 1);
      const below = Math.floor(position);
      const low = sorted[below]!;
      return below + 1 < sorted.length ? low + (position - below) * (sorted[below + 1]! - low) : low;
    };
    for (let i = 0; i < 300; i++) {
      const lead = grid.leads[Math.floor(random() * grid.size)]!;
      // Whole numbers, so ties are common.
      const error = Math.round((random() - 0.3) * 20) * 1.1;
      bands.record(lead, error);
      const errors = kept.get(lead)!;
      // What the ring keeps of it.
      errors.push(fromCompact(toCompact(error)));
      if (errors.length > window) errors.shift();
      const snapshot = new Uint16Array(2 * grid.size);
      bands.snapshot(snapshot, 0);
      let lower = 0;
      let upper = 0;
      grid.leads.forEach((each, j) => {
        const values = kept.get(each)!;
        if (values.length > 0) {
          lower = Math.min(lower, typeSeven(values, 0.1));
          upper = Math.max(upper, typeSeven(values, 0.9));
        }
        expect(snapshot[j]).toBe(toCompact(lower));
        expect(snapshot[grid.size + j]).toBe(toCompact(upper));
      });
    }
  });
});
