import { phaseOf } from '../../../pipelines/forecast/forecaster';

describe('phaseOf', () => {
  it('places an interval in its season, before the epoch too', () => {
    expect(phaseOf(0, 96)).toBe(0);
    expect(phaseOf(95, 96)).toBe(95);
    expect(phaseOf(96 * 20_000 + 7, 96)).toBe(7);
    expect(phaseOf(-1, 96)).toBe(95);
    expect(phaseOf(-96, 96)).toBe(0);
  });
});
