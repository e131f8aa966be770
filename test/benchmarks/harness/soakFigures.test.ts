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
      { windowMs: minute, recordsPerSecond: 1000 / 60 },
    );
    expect(figures.steadySamples).toBe(55);
    expect(figures.rss.slopeMbPerMinute).toBe(1);
    expect(figures.rss.startBytes).toBe(501_166_667);
    expect(figures.rss.endBytes).toBe(509_833_333);
    expect(figures.lag.max).toBe(1000);
    expect(figures.lag.troughs).toHaveLength(9);
    expect(figures.lag.allowedRise).toBe(250);
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
      soakFigures(
        samples,
        { fromMs: 0, toMs: 300_000 },
        { statusesPerWindow: [], groups: 1 },
        { windowMs: minute, recordsPerSecond: 10 },
      ).lag,
    ).toMatchObject({
      max: 2900,
      bounded: false,
    });
  });

  /**
   * The committed lag of a window-long saw-tooth: it climbs by 165 k records a second
   * while a window is open and falls back to `trough(k)` at each window's commit.
   */
  const sawTooth = (trough: (window: number) => number) =>
    Array.from({ length: 121 }, (_, i) => {
      const t = i * 5000;
      const window = Math.floor(t / minute);
      return sample(t, 1e9, trough(window) + 165_000 * ((t - window * minute) / 1000));
    });
  const production = { windowMs: minute, recordsPerSecond: 165_000 };

  it("judges the lag on its troughs: troughs that climb 7 % of a window's records each window are unbounded", () => {
    // The consumer takes in 93 % of what is produced. Against the largest lag (15.4 M) the
    // last half's rise (3.5 M) looked small: the criterion before called this bounded.
    const behind = soakFigures(
      sawTooth((window) => 700_000 * window),
      { fromMs: 0, toMs: 600_000 },
      { statusesPerWindow: [], groups: 1 },
      production,
    ).lag;
    expect(behind.troughs.map(([, lag]) => lag)).toEqual(
      Array.from({ length: 10 }, (_, window) => 700_000 * (window + 1)),
    );
    expect(behind.lastHalfSlopePerMinute).toBe(700_000);
    expect(behind.lastHalfRise).toBeGreaterThan(behind.allowedRise);
    expect(behind.lastHalfRise).toBeLessThan(0.25 * behind.max);
    expect(behind.bounded).toBe(false);

    // Troughs that move about without climbing, by up to 5 s of production: bounded.
    const keepingUp = soakFigures(
      sawTooth((window) => [0, 800_000, 200_000, 600_000, 0][window % 5]!),
      { fromMs: 0, toMs: 600_000 },
      { statusesPerWindow: [], groups: 1 },
      production,
    ).lag;
    expect(keepingUp.allowedRise).toBe(2_475_000);
    expect(keepingUp.bounded).toBe(true);
  });
});
