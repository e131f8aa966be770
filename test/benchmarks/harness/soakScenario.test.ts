import { soakUnjudged } from '../../../benchmarks/harness/soakScenario';

describe('whether a soak run is judged against its target', () => {
  const full = {
    rateGiven: false,
    measured: true,
    durationMs: 10 * 60_000,
    rate: 200_000,
    sentPerSecond: 199_000,
  };

  it('judges a full run at the derived rate that the simulator kept up with', () => {
    expect(soakUnjudged(full)).toBeUndefined();
    expect(soakUnjudged({ ...full, sentPerSecond: 190_000 })).toBeUndefined();
  });

  it('does not judge a run that sent less than 95 % of the rate asked, and says how much it sent', () => {
    expect(soakUnjudged({ ...full, sentPerSecond: 189_000 })).toBe(
      'at 94 % of the rate asked: the simulator sent 189 k of 200 k readings/s',
    );
    expect(soakUnjudged({ ...full, rate: 277_126, sentPerSecond: 95_100 })).toBe(
      'at 34 % of the rate asked: the simulator sent 95.1 k of 277 k readings/s',
    );
  });

  it('does not judge a shorter run, one at a rate given, or one with no e2e rate measured', () => {
    expect(soakUnjudged({ ...full, durationMs: 5 * 60_000 })).toBe('at this size');
    expect(soakUnjudged({ ...full, rateGiven: true })).toBe('at this size');
    expect(soakUnjudged({ ...full, measured: false })).toBe('at this size');
  });
});
