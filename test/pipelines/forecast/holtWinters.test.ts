import { HoltWinters } from '../../../pipelines/forecast/holtWinters';
import { TypedArena } from '../../../pipelines/forecast/typedArena';
import { seededRandom } from '../../../benchmarks/simulator/fleet';
import { DAY, forecastOf, meanAbsoluteError, sine } from './forecastFixtures';

const range = (from: number, n: number, f: (k: number) => number) =>
  Array.from({ length: n }, (_, i) => f(from + i));

describe('HoltWinters', () => {
  it('forecasts a pure daily sine from 3 days of history within 2% rMAE', () => {
    const model = new HoltWinters(DAY, new TypedArena());
    for (let k = 0; k < 3 * DAY; k++) model.update(k, sine(k));
    const actual = range(3 * DAY, DAY, sine);
    const rmae = meanAbsoluteError(actual, forecastOf(model, 3 * DAY, DAY)) / 1000;
    expect(rmae).toBeLessThan(0.02);
  });

  it('forecasts a noisy sine better than the day-old values do', () => {
    const random = seededRandom(5);
    const series = range(0, 6 * DAY, (k) => sine(k) + (random() - 0.5) * 200);
    const model = new HoltWinters(DAY, new TypedArena());
    for (let k = 0; k < 5 * DAY; k++) model.update(k, series[k]!);
    const truth = range(5 * DAY, DAY, sine);
    const mae = meanAbsoluteError(truth, forecastOf(model, 5 * DAY, DAY));
    const seasonalNaiveMae = meanAbsoluteError(truth, series.slice(4 * DAY, 5 * DAY));
    expect(mae).toBeLessThan(0.9 * seasonalNaiveMae);
  });

  it('is persistence until it has seen a full season', () => {
    const model = new HoltWinters(DAY, new TypedArena());
    for (let k = 0; k < DAY; k++) model.update(k, sine(k));
    expect(forecastOf(model, DAY, 5)).toEqual(Array(5).fill(sine(DAY - 1)));
    model.update(DAY, sine(DAY));
    expect(forecastOf(model, DAY + 1, 5)).not.toEqual(Array(5).fill(sine(DAY)));
  });

  it('recovers from a step change (a group gaining members) within hours', () => {
    const step = 400;
    const start = 3 * DAY + 30;
    const series = (k: number) => sine(k) + (k >= start ? step : 0);
    const errorAfter = (intervals: number) => {
      const model = new HoltWinters(DAY, new TypedArena());
      for (let k = 0; k < start + intervals; k++) model.update(k, series(k));
      const from = start + intervals;
      return meanAbsoluteError(range(from, DAY, series), forecastOf(model, from, DAY));
    };
    expect(errorAfter(1)).toBeGreaterThan(0.5 * step);
    expect(errorAfter(12)).toBeLessThan(0.1 * step);
    expect(errorAfter(24)).toBeLessThan(0.02 * step);
  });

  it('skips gaps instead of reading them as zeros', () => {
    // Ten hours without values on the third day, and the last two hours before the forecast.
    const gap = (k: number) => (k >= 2 * DAY + 20 && k < 2 * DAY + 60) || k >= 3 * DAY - 8;
    const model = new HoltWinters(DAY, new TypedArena());
    for (let k = 0; k < 3 * DAY; k++) model.update(k, gap(k) ? NaN : sine(k));
    const points = forecastOf(model, 3 * DAY, DAY);
    expect(meanAbsoluteError(range(3 * DAY, DAY, sine), points)).toBeLessThan(1);
    expect(Math.min(...points)).toBeGreaterThan(499);
  });
});
