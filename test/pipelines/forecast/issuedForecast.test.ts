import { ForecastBatch } from '../../../pipelines/forecast/issuedForecast';

describe('ForecastBatch', () => {
  it('gives each forecast in the shape of the replay line, its points from the columns', () => {
    const batch = new ForecastBatch(1_800_000, 900_000, 2, 1);
    const a = batch.add('g1', 'activePower', 'persistence', true);
    batch.p10.set([1, 2], a);
    batch.p50.set([3, 4], a);
    batch.p90.set([5, 6], a);
    // A second forecast grows the columns past the capacity given.
    const b = batch.add('g2', 'stateOfCharge', 'holtWinters', false);
    batch.p50.set([7, 8], b);
    expect(batch.size).toBe(2);
    expect(JSON.stringify(batch.forecast(0))).toBe(
      JSON.stringify({
        groupId: 'g1',
        parameter: 'activePower',
        method: 'persistence',
        issuedAt: 1_800_000,
        intervalMs: 900_000,
        points: [
          { intervalNumber: 1, start: 1_800_000, p10: 1, p50: 3, p90: 5 },
          { intervalNumber: 2, start: 2_700_000, p10: 2, p50: 4, p90: 6 },
        ],
      }),
    );
    expect(batch.forecast(1).points.map((p) => p.p50)).toEqual([7, 8]);
    expect(batch.published).toEqual([true, false]);
  });

  it('slices the forecasts by group, a group never split, groups in the order they first appear', () => {
    const batch = new ForecastBatch(0, 900_000, 1);
    for (const [group, value] of [
      ['g1', 1],
      ['g2', 2],
      ['g1', 3],
      ['g3', 4],
      ['g2', 5],
    ] as const) {
      batch.p50.set([value], batch.add(group, 'activePower', 'persistence', true));
    }
    const slices = [...batch.slices(2)].map((slice) => slice.map((f) => `${f.groupId}:${f.points[0]!.p50}`));
    expect(slices).toEqual([['g1:1', 'g1:3', 'g2:2', 'g2:5'], ['g3:4']]);
    expect([...batch.slices(3)]).toHaveLength(1);
    expect([...new ForecastBatch(0, 900_000, 1).slices(2)]).toEqual([]);
  });
});
