import { SeasonalNaive } from '../../../pipelines/forecast/seasonalNaive';
import { TypedArena } from '../../../pipelines/forecast/typedArena';
import { DAY, forecastOf, sine } from './forecastFixtures';

describe('SeasonalNaive', () => {
  it('forecasts the same time one day earlier', () => {
    const naive = new SeasonalNaive(DAY, new TypedArena());
    for (let k = 0; k < 2 * DAY; k++) naive.update(k, k);
    expect(forecastOf(naive, 2 * DAY, 3)).toEqual([DAY, DAY + 1, DAY + 2]);
  });

  it('falls back to the last value where no day has that time yet', () => {
    const naive = new SeasonalNaive(DAY, new TypedArena());
    for (let k = 0; k < 10; k++) naive.update(k, sine(k));
    const points = forecastOf(naive, 10, DAY);
    expect(points.slice(0, DAY - 10)).toEqual(Array(DAY - 10).fill(sine(9)));
    expect(points.slice(DAY - 10)).toEqual(Array.from({ length: 10 }, (_, i) => sine(i)));
  });

  it('takes the latest day with a value across a gap, never a zero', () => {
    const naive = new SeasonalNaive(DAY, new TypedArena());
    for (let k = 0; k < 2 * DAY; k++) naive.update(k, k >= DAY + 10 && k < DAY + 20 ? NaN : k + 1);
    const points = forecastOf(naive, 2 * DAY, DAY);
    // Intervals 10..19 had no value yesterday: the day before stands in.
    expect(points.slice(10, 20)).toEqual(Array.from({ length: 10 }, (_, i) => 11 + i));
    expect(points[20]).toBe(DAY + 21);
    expect(Math.min(...points)).toBeGreaterThan(0);
  });
});
