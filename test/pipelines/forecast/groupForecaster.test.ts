import { GroupStatus } from '../../../pipelines/aggregate/groupStatus';
import { ErrorBatch } from '../../../pipelines/forecast/forecastAccuracy';
import { defaultForecastSettings } from '../../../pipelines/forecast/forecastConfig';
import { forecastPlan } from '../../../pipelines/forecast/forecastPlan';
import { GroupForecaster } from '../../../pipelines/forecast/groupForecaster';
import { ForecastBatch, IssuedForecast } from '../../../pipelines/forecast/issuedForecast';
import { DAY, INTERVAL_MS, meanAbsoluteError, sine, statusOf } from './forecastFixtures';

const MINUTE = 60_000;

/**
 * Feeds a group a status per minute for `intervals` intervals, closing each and issuing
 * at its end, as the engine does; returns the forecasts issued at each interval's end.
 */
function run(fields: (minute: number) => Partial<GroupStatus>, intervals: number, allMethods = false) {
  const plan = forecastPlan(defaultForecastSettings(), MINUTE);
  const group = new GroupForecaster('g1', plan);
  const issued = new Map<number, IssuedForecast[]>();
  for (let k = 0; k < intervals; k++) {
    for (let minute = k * 15; minute < (k + 1) * 15; minute++)
      group.add(statusOf('g1', minute * MINUTE, fields(minute)));
    group.close(k, new ErrorBatch(k * INTERVAL_MS, INTERVAL_MS));
    const batch = new ForecastBatch((k + 1) * INTERVAL_MS, INTERVAL_MS, DAY);
    group.issue(k + 1, batch, allMethods);
    issued.set(
      k + 1,
      Array.from({ length: batch.size }, (_, i) => batch.forecast(i)),
    );
  }
  return { group, issued };
}

describe('GroupForecaster', () => {
  it('forecasts each parameter that has values, from the interval means of its statuses', () => {
    const { issued } = run((minute) => ({ activePower: minute % 2 === 0 ? 50 : 150, stateOfCharge: 40 }), 2);
    const forecasts = issued.get(2)!;
    expect(forecasts.map((f) => [f.parameter, f.method])).toEqual([
      ['activePower', 'persistence'],
      ['stateOfCharge', 'persistence'],
    ]);
    // Interval 1 has minutes 15..29: eight of 150 and seven of 50.
    expect(forecasts[0]!.points[0]).toMatchObject({
      intervalNumber: 1,
      start: 2 * INTERVAL_MS,
      p50: (8 * 150 + 7 * 50) / 15,
    });
    expect(forecasts[1]!.points.every((p) => p.p50 === 40)).toBe(true);
    expect(forecasts[0]!.points.length).toBe(DAY);
  });

  it('gives every method, the published one marked, when asked', () => {
    const plan = forecastPlan(defaultForecastSettings(), MINUTE);
    const group = new GroupForecaster('g1', plan);
    group.add(statusOf('g1', 0, { activePower: 5 }));
    group.close(0, new ErrorBatch(0, INTERVAL_MS));
    const batch = new ForecastBatch(INTERVAL_MS, INTERVAL_MS, DAY);
    group.issue(1, batch, true);
    expect(batch.methods).toEqual(['persistence', 'seasonalNaive', 'holtWinters']);
    expect(batch.published).toEqual([true, false, false]);
  });

  describe('takes in a membership change', () => {
    const change = 3 * DAY + 30;
    /** The published forecasts around a change of the group's power at `change`. */
    function errorsAround(power: (k: number) => number, after: number[]) {
      const { issued } = run(
        (minute) => ({ activePower: power(Math.floor(minute / 15)) }),
        change + Math.max(...after),
      );
      return after.map((intervals) => {
        const forecast = issued.get(change + intervals)![0]!;
        return meanAbsoluteError(
          forecast.points.map((p) => power(p.start / INTERVAL_MS)),
          forecast.points.map((p) => p.p50),
        );
      });
    }

    it('a level shift (members with a steady load join) within half a day', () => {
      const [justAfter, halfADay] = errorsAround((k) => sine(k) + (k >= change ? 400 : 0), [1, 48]);
      expect(justAfter).toBeGreaterThan(200);
      expect(halfADay).toBeLessThan(20);
    });

    it('a change of scale (the group doubles) within two days', () => {
      // The seasonal naive is right again a day after the change; its errors of that day
      // weigh against it for a while longer (methodSelection.ts).
      const [justAfter, twoDays] = errorsAround((k) => (k >= change ? 2 : 1) * sine(k), [1, 2 * DAY + 8]);
      expect(justAfter).toBeGreaterThan(300);
      expect(twoDays).toBeLessThan(20);
    });
  });

  it('keeps forecasting a parameter from before while its statuses have none, never from zero', () => {
    const gap = (minute: number) => minute >= 2 * DAY * 15 && minute < 2 * DAY * 15 + 120;
    const { issued } = run(
      (minute) => ({ activePower: 1, maxActivePower: gap(minute) ? null : sine(Math.floor(minute / 15)) }),
      2 * DAY + 8,
    );
    const during = issued.get(2 * DAY + 8)!.find((f) => f.parameter === 'maxActivePower')!;
    expect(Math.min(...during.points.map((p) => p.p50))).toBeGreaterThan(450);
  });

  it('issues nothing once the group has no status in the interval before (deleted)', () => {
    const plan = forecastPlan(defaultForecastSettings(), MINUTE);
    const group = new GroupForecaster('g1', plan);
    group.add(statusOf('g1', 0, { activePower: 5 }));
    group.close(0, new ErrorBatch(0, INTERVAL_MS));
    group.close(1, new ErrorBatch(INTERVAL_MS, INTERVAL_MS));
    const batch = new ForecastBatch(2 * INTERVAL_MS, INTERVAL_MS, DAY);
    group.issue(2, batch, false);
    expect(batch.size).toBe(0);
    expect(group.lastAddedInterval).toBe(0);
  });
});
