import { parseDuration } from '../../../pipelines/config/duration';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['5s', 5000],
    ['3m', 180_000],
    ['1h', 3_600_000],
    ['250', 250],
    [' 60s ', 60_000],
  ])('reads %p as %p ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5 s', '1.5s', '-5s', '5d', 's', '1e3'])('refuses %p', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
