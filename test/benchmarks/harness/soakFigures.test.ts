import { LagSample } from '../../../benchmarks/harness/runSampler';
import { slopePerMs, soakFigures } from '../../../benchmarks/harness/soakFigures';

const sample = (t: number, rss: number, lag: number): LagSample => ({
  t,
  rss,
  heapUsed: rss / 2,
  heapTotal: rss,
  external: 0,
  arrayBuffers: 0,
  records: 0,
  statuses: 0,
  lag,
});

describe('the figures of a soak run', () => {
  const minute = 60_000;

  it('fits a least-squares slope', () => {
    expect(
      slopePerMs([
        [0, 1],
        [10, 21],
        [20, 41],
      ]),
    ).toBe(2);
    expect(slopePerMs([[5, 3]])).toBe(0);
  });

  it('gives memory at the start and end of steady state, its slope, and a saw-tooth lag as bounded', () => {
    // RSS rises 1 MB a minute; the lag saw-tooths between 0 and 1000 every minute.
    const samples = Array.from({ length: 61 }, (_, i) =>
      sample(i * 10_000, 500e6 + ((i * 10_000) / minute) * 1e6, ((i % 6) / 5) * 1000),
    );
    const figures = soakFigures(
      samples,
      { fromMs: 60_000, toMs: 600_000 },
      {
        statusesPerWindow: [
          [1, 4],
          [2, 4],
          [3, 3],
        ],
        groups: 4,
      },
    );
    expect(figures.steadySamples).toBe(55);
    expect(figures.rss.slopeMbPerMinute).toBe(1);
    expect(figures.rss.startBytes).toBe(501_166_667);
    expect(figures.rss.endBytes).toBe(509_833_333);
    expect(figures.lag.max).toBe(1000);
    expect(figures.lag.bounded).toBe(true);
    expect(figures.windows).toEqual({
      measured: 3,
      complete: 2,
      incomplete: [{ windowEnd: 3, statuses: 3 }],
    });
  });

  it('calls a lag that keeps growing unbounded', () => {
    const samples = Array.from({ length: 30 }, (_, i) => sample(i * 10_000, 500e6, i * 100));
    expect(
      soakFigures(samples, { fromMs: 0, toMs: 300_000 }, { statusesPerWindow: [], groups: 1 }).lag,
    ).toMatchObject({
      max: 2900,
      bounded: false,
    });
  });
});
