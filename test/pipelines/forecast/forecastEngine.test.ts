import { seededRandom } from '../../../benchmarks/simulator/fleet';
import { GroupStatus } from '../../../pipelines/aggregate/groupStatus';
import { AccuracyAccumulator } from '../../../pipelines/forecast/forecastAccuracy';
import { defaultForecastSettings, ForecastSettings } from '../../../pipelines/forecast/forecastConfig';
import { ForecastEngine, ForecastOutput } from '../../../pipelines/forecast/forecastEngine';
import { DAY, sine, statusOf } from './forecastFixtures';

const MINUTE = 60_000;
const T0 = 1_767_225_600_000; // 2026-01-01T00:00Z, a boundary of every schedule here

/**
 * Feeds the engine as the status engine would: each minute's statuses, then the
 * watermark at that window's end. Returns everything it output, with the watermark.
 */
function run(
  engine: ForecastEngine,
  minutes: number,
  statuses: (minute: number) => GroupStatus[],
): { watermark: number; output: ForecastOutput }[] {
  const out: { watermark: number; output: ForecastOutput }[] = [];
  for (let minute = 0; minute < minutes; minute++) {
    for (const status of statuses(minute)) engine.status(status);
    const watermark = T0 + (minute + 1) * MINUTE;
    for (const output of engine.advance(watermark)) out.push({ watermark, output });
  }
  return out;
}

const engineOf = (settings: Partial<ForecastSettings> = {}, latenessMs = 0) =>
  new ForecastEngine({ ...defaultForecastSettings(), ...settings }, { windowMs: MINUTE, latenessMs });

const forecastsOf = (out: { output: ForecastOutput }[]) =>
  out.flatMap(({ output }) =>
    output.kind === 'forecasts'
      ? Array.from({ length: output.batch.size }, (_, i) => output.batch.forecast(i))
      : [],
  );
const errorsOf = (out: { output: ForecastOutput }[]) =>
  out.flatMap(({ output }) =>
    output.kind === 'errors'
      ? Array.from({ length: output.batch.size }, (_, i) => output.batch.record(i))
      : [],
  );

const power = (groupId: string) => (minute: number) =>
  statusOf(groupId, T0 + minute * MINUTE, { activePower: 100 + minute, stateOfCharge: 50 });

describe('ForecastEngine', () => {
  it('issues at each 15-minute boundary of the watermark, for 96 intervals of 15 minutes from there', () => {
    const out = run(engineOf(), 60, (minute) => [power('g1')(minute)]);
    const batches = out.filter(({ output }) => output.kind === 'forecasts');
    expect(batches.map(({ watermark }) => (watermark - T0) / MINUTE)).toEqual([15, 30, 45, 60]);
    const forecasts = forecastsOf(out);
    expect(forecasts.map((f) => [(f.issuedAt - T0) / MINUTE, f.parameter])).toEqual([
      [15, 'activePower'],
      [15, 'stateOfCharge'],
      [30, 'activePower'],
      [30, 'stateOfCharge'],
      [45, 'activePower'],
      [45, 'stateOfCharge'],
      [60, 'activePower'],
      [60, 'stateOfCharge'],
    ]);
    for (const forecast of forecasts) {
      expect(forecast.intervalMs).toBe(15 * MINUTE);
      expect(forecast.points.map((p) => p.intervalNumber)).toEqual(
        Array.from({ length: 96 }, (_, i) => i + 1),
      );
      expect(forecast.points.map((p) => p.start)).toEqual(
        Array.from({ length: 96 }, (_, i) => forecast.issuedAt + i * 15 * MINUTE),
      );
    }
    // Persistence of the mean of the interval before: minutes 15..29 → 100 + 22.
    expect(forecasts[2]!.points[0]!.p50).toBe(122);
  });

  it('issues on the schedule configured, and not before the watermark reaches it', () => {
    const engine = engineOf({ issueEveryMs: 30 * MINUTE });
    for (let minute = 0; minute < 45; minute++) engine.status(power('g1')(minute));
    expect(engine.advance(T0 + 30 * MINUTE - 1)).toHaveLength(0);
    const out = engine.advance(T0 + 45 * MINUTE);
    expect(out.map((o) => o.kind)).toEqual(['forecasts', 'errors']);
    expect(forecastsOf(out.map((output) => ({ output }))).map((f) => f.issuedAt)).toEqual([
      T0 + 30 * MINUTE,
      T0 + 30 * MINUTE,
    ]);
  });

  it('waits for the allowed lateness, and takes in a version changed within it', () => {
    const engine = engineOf({}, 2 * MINUTE);
    for (let minute = 0; minute < 15; minute++) engine.status(power('g1')(minute));
    expect(engine.advance(T0 + 16 * MINUTE)).toHaveLength(0);
    // The last window is re-emitted (a late reading) while the lateness allows it.
    engine.status({ ...power('g1')(14), version: 2, activePower: 114 + 150 });
    const [output] = engine.advance(T0 + 17 * MINUTE);
    expect(output?.kind).toBe('forecasts');
    const forecast = forecastsOf([{ output: output! }])[0]!;
    expect(forecast.issuedAt).toBe(T0 + 15 * MINUTE);
    expect(forecast.points[0]!.p50).toBe(107 + 10);
  });

  it("scores every method's forecasts as each interval's actual becomes known", () => {
    const out = run(engineOf({ parameters: ['activePower'] }), 45, (minute) => [power('g1')(minute)]);
    const errors = errorsOf(out);
    // Forecasts issued at 15 and 30 minutes; the interval from 30 is the second of the first, the first of the second.
    expect(errors.map((e) => [(e.issuedAt - T0) / MINUTE, e.intervalNumber, e.method])).toEqual([
      [15, 1, 'persistence'],
      [15, 1, 'seasonalNaive'],
      [15, 1, 'holtWinters'],
      [15, 2, 'persistence'],
      [15, 2, 'seasonalNaive'],
      [15, 2, 'holtWinters'],
      [30, 1, 'persistence'],
      [30, 1, 'seasonalNaive'],
      [30, 1, 'holtWinters'],
    ]);
    const last = errors[errors.length - 1]!;
    expect(last).toMatchObject({ groupId: 'g1', parameter: 'activePower', intervalStart: T0 + 30 * MINUTE });
    expect(last.actual).toBe(137);
    expect(last.p50).toBe(122);
    expect(last.error).toBe(15);
  });

  it('orders by group, forgets a group that is gone, and drops statuses of closed intervals', () => {
    const engine = engineOf();
    const out = run(engine, 2 * 15 + DAY * 15 + 15, (minute) =>
      minute < 30 ? [power('b')(minute), power('a')(minute)] : [power('b')(minute)],
    );
    const forecasts = forecastsOf(out);
    expect(forecasts.slice(0, 4).map((f) => f.groupId)).toEqual(['a', 'a', 'b', 'b']);
    // Group a has no status after minute 30: nothing issued for it after the issue at 30 minutes.
    expect(Math.max(...forecasts.filter((f) => f.groupId === 'a').map((f) => f.issuedAt))).toBe(
      T0 + 30 * MINUTE,
    );
    // A day later it is forgotten.
    expect(engine.groupCount).toBe(1);
    engine.status(power('b')(0));
    expect(engine.droppedStatuses).toBe(1);
  });

  it('gives the same bytes for the same statuses, and scores seasonal groups above persistence', () => {
    const replay = () => {
      const noise = seededRandom(3);
      const engine = engineOf();
      const out = run(engine, 3 * DAY * 15, (minute) =>
        ['g1', 'g2'].map((groupId, g) =>
          statusOf(groupId, T0 + minute * MINUTE, {
            activePower: (g + 1) * sine(minute / 15) + (noise() - 0.5) * 50,
            maxActivePower: minute % 500 < 30 ? null : 2000 + (noise() - 0.5) * 100,
          }),
        ),
      );
      return out.map(({ output }) =>
        output.kind === 'forecasts'
          ? Array.from({ length: output.batch.size }, (_, i) => JSON.stringify(output.batch.forecast(i)))
          : Array.from({ length: output.batch.size }, (_, i) => JSON.stringify(output.batch.record(i))),
      );
    };
    const first = replay();
    expect(replay()).toEqual(first);
    const accuracy = new AccuracyAccumulator();
    for (const line of first.flat()) {
      const record = JSON.parse(line);
      if ('error' in record) accuracy.add(record);
    }
    const overall = accuracy.summary().overall;
    const skill = (method: string) =>
      overall.find((o) => o.parameter === 'activePower' && o.method === method)!.skill!;
    expect(skill('persistence')).toBe(0);
    expect(skill('holtWinters')).toBeGreaterThan(0.5);
  });
});
