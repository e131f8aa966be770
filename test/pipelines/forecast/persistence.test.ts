import { Persistence } from '../../../pipelines/forecast/persistence';
import { forecastOf } from './forecastFixtures';

describe('Persistence', () => {
  it('forecasts the last value at every lead, and skips a gap', () => {
    const persistence = new Persistence();
    persistence.update(0, 10);
    persistence.update(1, 12);
    expect(forecastOf(persistence, 2, 3)).toEqual([12, 12, 12]);
    persistence.update(2, NaN);
    expect(forecastOf(persistence, 3, 2)).toEqual([12, 12]);
    persistence.update(3, 0);
    expect(forecastOf(persistence, 4, 1)).toEqual([0]);
  });

  it('keeps a frozen forecast as it was when later values come', () => {
    const persistence = new Persistence();
    persistence.update(0, 5);
    const frozen = new Float64Array(1);
    persistence.freeze(frozen, 0);
    persistence.update(1, 7);
    expect(persistence.pointAt(frozen, 0)).toBe(5);
  });
});
