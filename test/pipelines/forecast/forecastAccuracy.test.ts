import { AccuracyAccumulator, ErrorBatch, ForecastError } from '../../../pipelines/forecast/forecastAccuracy';

const record = (
  fields: Pick<ForecastError, 'method' | 'actual' | 'p10' | 'p50' | 'p90'> & Partial<ForecastError>,
): ForecastError => ({
  groupId: 'g1',
  parameter: 'activePower',
  issuedAt: 0,
  intervalNumber: 1,
  intervalStart: 0,
  error: fields.actual - fields.p50,
  ...fields,
});

describe('AccuracyAccumulator', () => {
  // Three points of g1; actuals 10, 20, 40 (range 30).
  // persistence: P50 15, 15, 15 → errors -5, 5, 25: MAE 35/3; inside [P10, P90] twice.
  // holtWinters: P50 12, 18, 34 → errors -2, 2, 6: MAE 10/3; inside once.
  const records = [
    record({ method: 'persistence', actual: 10, p10: 5, p50: 15, p90: 20 }),
    record({ method: 'persistence', actual: 20, p10: 10, p50: 15, p90: 20 }),
    record({ method: 'persistence', actual: 40, p10: 10, p50: 15, p90: 30 }),
    record({ method: 'holtWinters', actual: 10, p10: 11, p50: 12, p90: 13 }),
    record({ method: 'holtWinters', actual: 20, p10: 18, p50: 18, p90: 20 }),
    record({ method: 'holtWinters', actual: 40, p10: 30, p50: 34, p90: 38 }),
  ];

  it('gives n, MAE, rMAE, skill and coverage per group, parameter and method (hand-checked)', () => {
    const accumulator = new AccuracyAccumulator();
    for (const r of records) accumulator.add(r);
    const { series } = accumulator.summary();
    expect(series.map((s) => s.method)).toEqual(['persistence', 'holtWinters']);
    const [persistence, holtWinters] = series;
    expect(persistence).toMatchObject({ groupId: 'g1', parameter: 'activePower', n: 3, skill: 0 });
    expect(persistence!.mae).toBeCloseTo(35 / 3, 12);
    expect(persistence!.rmae).toBeCloseTo(35 / 3 / 30, 12);
    expect(persistence!.coverage).toBeCloseTo(2 / 3, 12);
    expect(holtWinters!.mae).toBeCloseTo(10 / 3, 12);
    expect(holtWinters!.rmae).toBeCloseTo(10 / 3 / 30, 12);
    expect(holtWinters!.skill).toBeCloseTo(1 - 10 / 35, 12);
    expect(holtWinters!.coverage).toBeCloseTo(1 / 3, 12);
  });

  it('pools groups per parameter and method, each group in its own range', () => {
    const accumulator = new AccuracyAccumulator();
    for (const r of records) accumulator.add(r);
    // g2: one point per method, actual 100, so no range (rMAE null) but an MAE.
    accumulator.add(record({ groupId: 'g2', method: 'persistence', actual: 100, p10: 0, p50: 90, p90: 200 }));
    accumulator.add(record({ groupId: 'g2', method: 'holtWinters', actual: 100, p10: 0, p50: 95, p90: 200 }));
    const { overall, series } = accumulator.summary();
    expect(series.find((s) => s.groupId === 'g2' && s.method === 'holtWinters')?.rmae).toBeNull();
    const holtWinters = overall.find((o) => o.method === 'holtWinters')!;
    expect(holtWinters.n).toBe(4);
    expect(holtWinters.mae).toBeCloseTo((10 + 5) / 4, 12);
    expect(holtWinters.rmae).toBeCloseTo(10 / 3 / 30, 12);
    expect(holtWinters.skill).toBeCloseTo(1 - 15 / 45, 12);
    expect(holtWinters.coverage).toBeCloseTo(2 / 4, 12);
  });

  it('has no skill where persistence was not scored on the same points', () => {
    const accumulator = new AccuracyAccumulator();
    for (const r of records.slice(0, 5)) accumulator.add(r);
    expect(accumulator.summary().series[1]!.skill).toBeNull();
  });

  it('adds a batch of records as it adds them one by one', () => {
    const batch = new ErrorBatch(0, 900_000);
    batch.addSeries('g1', 'activePower');
    for (const r of records) batch.add(r.method === 'persistence' ? 0 : 2, 1, r.actual, r.p10, r.p50, r.p90);
    expect(batch.record(3)).toEqual(records[3]);
    const one = new AccuracyAccumulator();
    for (const r of records) one.add(r);
    const batched = new AccuracyAccumulator();
    batched.addBatch(batch);
    expect(batched.summary()).toEqual(one.summary());
  });
});

describe('ErrorBatch', () => {
  it('gives each record with its issue time from the lead', () => {
    const batch = new ErrorBatch(10 * 900_000, 900_000, 1);
    batch.addSeries('g1', 'stateOfCharge');
    batch.add(1, 4, 50, 40, 45, 60);
    batch.add(2, 1, 50, 40, 55, 60);
    expect(batch.size).toBe(2);
    expect(batch.record(0)).toEqual({
      groupId: 'g1',
      parameter: 'stateOfCharge',
      method: 'seasonalNaive',
      issuedAt: 7 * 900_000,
      intervalNumber: 4,
      intervalStart: 10 * 900_000,
      actual: 50,
      p10: 40,
      p50: 45,
      p90: 60,
      error: 5,
    });
    expect(batch.record(1)).toMatchObject({ method: 'holtWinters', issuedAt: 10 * 900_000, error: -5 });
  });
});
