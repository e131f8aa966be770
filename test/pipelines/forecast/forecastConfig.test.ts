import { ConfigError } from '../../../pipelines/errors';
import {
  defaultForecastSettings,
  parseForecastConfig,
  validateForecastSettings,
} from '../../../pipelines/forecast/forecastConfig';

describe('parseForecastConfig', () => {
  it('defaults to SEMANTICS.md §5: every 15 minutes, 96 intervals of 15 minutes', () => {
    expect(parseForecastConfig({}, 60_000)).toEqual({
      issueEveryMs: 900_000,
      intervalMs: 900_000,
      horizon: 96,
      seasonMs: 86_400_000,
      errorWindow: 288,
      parameters: ['activePower', 'maxActivePower', 'minActivePower', 'stateOfCharge'],
    });
  });

  it('reads the schedule, interval and horizon from the environment', () => {
    const settings = parseForecastConfig(
      {
        DERSTREAM_FORECAST_EVERY: '1h',
        DERSTREAM_FORECAST_INTERVAL: '30m',
        DERSTREAM_FORECAST_HORIZON: '48',
      },
      60_000,
    );
    expect(settings).toMatchObject({ issueEveryMs: 3_600_000, intervalMs: 1_800_000, horizon: 48 });
  });

  it.each([
    [{ DERSTREAM_FORECAST_EVERY: 'soon' }, 'DERSTREAM_FORECAST_EVERY', /not a duration/],
    [{ DERSTREAM_FORECAST_EVERY: '20m' }, 'DERSTREAM_FORECAST_EVERY', /whole number of forecast intervals/],
    [{ DERSTREAM_FORECAST_INTERVAL: '90s' }, 'DERSTREAM_FORECAST_INTERVAL', /whole number of status windows/],
    [
      { DERSTREAM_FORECAST_INTERVAL: '7m', DERSTREAM_FORECAST_EVERY: '7m' },
      'DERSTREAM_FORECAST_INTERVAL',
      /divide a day/,
    ],
    [{ DERSTREAM_FORECAST_HORIZON: '97' }, 'DERSTREAM_FORECAST_HORIZON', /from 1 to 96/],
    [{ DERSTREAM_FORECAST_HORIZON: '0' }, 'DERSTREAM_FORECAST_HORIZON', /integer from 1/],
  ])('refuses %p, naming %s', (env, setting, message) => {
    let error: unknown;
    try {
      parseForecastConfig(env, 60_000);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).setting).toBe(setting);
    expect((error as ConfigError).message).toMatch(message);
  });

  it('refuses unknown or repeated parameters and an empty error window', () => {
    const defaults = defaultForecastSettings();
    expect(() => validateForecastSettings({ ...defaults, parameters: [] }, 60_000)).toThrow(ConfigError);
    expect(() =>
      validateForecastSettings({ ...defaults, parameters: ['activePower', 'activePower'] }, 60_000),
    ).toThrow(/distinct names/);
    expect(() => validateForecastSettings({ ...defaults, errorWindow: 0 }, 60_000)).toThrow(/errorWindow/);
  });
});
