import { IntervalAverager } from '../../../pipelines/forecast/intervalAverager';
import { statusOf } from './forecastFixtures';

const MINUTE = 60_000;

describe('IntervalAverager', () => {
  it('averages each parameter over the windows of the interval that have a value', () => {
    const averager = new IntervalAverager(['activePower', 'stateOfCharge'], 15 * MINUTE, MINUTE);
    averager.add(statusOf('g', 0, { activePower: 10, stateOfCharge: 50 }));
    averager.add(statusOf('g', MINUTE, { activePower: 20, stateOfCharge: null }));
    averager.add(statusOf('g', 14 * MINUTE, { activePower: 60, stateOfCharge: 70 }));
    averager.add(statusOf('g', 15 * MINUTE, { activePower: 1000 }));
    expect([...averager.take(0)!]).toEqual([30, 60]);
    expect(averager.take(0)).toBeUndefined();
    expect([...averager.take(1)!]).toEqual([1000, NaN]);
  });

  it('lets a later version of a window replace the earlier one', () => {
    const averager = new IntervalAverager(['activePower'], 15 * MINUTE, MINUTE);
    averager.add(statusOf('g', 0, { activePower: 10 }));
    averager.add(statusOf('g', MINUTE, { activePower: 10 }));
    averager.add(statusOf('g', 0, { activePower: 30, version: 2 }));
    expect([...averager.take(0)!]).toEqual([20]);
  });

  it('gives a gap, not a zero, when no window has a value, and nothing without statuses', () => {
    const averager = new IntervalAverager(['maxActivePower'], 15 * MINUTE, MINUTE);
    averager.add(statusOf('g', 30 * MINUTE, { maxActivePower: null }));
    expect(averager.intervalOf(statusOf('g', 30 * MINUTE))).toBe(2);
    expect([...averager.take(2)!]).toEqual([NaN]);
    expect(averager.take(3)).toBeUndefined();
  });
});
