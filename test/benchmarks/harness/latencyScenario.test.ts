import { latencyJudgement } from '../../../benchmarks/harness/latencyScenario';

describe('whether a latency run is judged against its target', () => {
  const windows: [number, number][] = [
    [60_000, 1000],
    [120_000, 1000],
    [180_000, 1000],
  ];
  const full = {
    atHalf: true,
    rate: 94_000,
    sentPerSecond: 93_500,
    p99: 150,
    groups: 1000,
    statusesPerWindow: windows,
  };

  it('judges a run at half the e2e rate that the simulator kept up with, by its p99', () => {
    expect(latencyJudgement(full)).toEqual({ display: '150 ms', met: true });
    expect(latencyJudgement({ ...full, p99: 200 })).toEqual({ display: '200 ms', met: false });
  });

  it('does not judge a run that sent less than 95 % of the rate asked, and says how much it sent', () => {
    expect(latencyJudgement({ ...full, sentPerSecond: 54_360 })).toEqual({
      display: '150 ms',
      met: null,
      unjudged: 'at 57 % of the rate asked: the simulator sent 54.4 k of 94.0 k readings/s',
    });
  });

  it('counts a window left without every status as a miss, whatever the simulator sent', () => {
    const behind = {
      ...full,
      sentPerSecond: 54_360,
      statusesPerWindow: [...windows, [240_000, 0] as [number, number]],
    };
    expect(latencyJudgement(behind)).toEqual({ display: '150 ms (3 of 4 windows complete)', met: false });
  });

  it('does not judge a run at a rate given, but still shows the windows left incomplete', () => {
    expect(latencyJudgement({ ...full, atHalf: false })).toEqual({ display: '150 ms', met: null });
    expect(latencyJudgement({ ...full, atHalf: false, statusesPerWindow: [[60_000, 999]] })).toEqual({
      display: '150 ms (0 of 1 windows complete)',
      met: null,
    });
  });
});
