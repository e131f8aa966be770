import { ConfigError } from '../errors';
import { durationSetting, Env, integerSetting } from '../config/settings';

/** The numeric fields of a group status (SEMANTICS.md §4) that can be forecast. */
export const FORECAST_PARAMETERS = [
  'activePower',
  'reactivePower',
  'maxActivePower',
  'minActivePower',
  'headroomUp',
  'headroomDown',
  'stateOfCharge',
  'storedEnergy',
] as const;
export type ForecastParameter = (typeof FORECAST_PARAMETERS)[number];

/** The bounds a parameter's values cannot leave; forecasts of it are clamped into them. */
export const PARAMETER_BOUNDS: Partial<Record<ForecastParameter, readonly [number, number]>> = {
  stateOfCharge: [0, 100],
  storedEnergy: [0, Infinity],
};

const DAY_MS = 86_400_000;

/**
 * How forecasts are made (SEMANTICS.md §5).
 *
 * | setting | default |
 * |---|---|
 * | `DERSTREAM_FORECAST_EVERY` | `15m`: issue at every 15-minute boundary of the watermark |
 * | `DERSTREAM_FORECAST_INTERVAL` | `15m`: `I`, the length of a forecast interval |
 * | `DERSTREAM_FORECAST_HORIZON` | `96`: `H`, intervals per forecast (a day of 15 minutes) |
 */
export interface ForecastSettings {
  issueEveryMs: number;
  intervalMs: number;
  horizon: number;
  /** The seasonal cycle of the seasonal methods: one day. */
  seasonMs: number;
  /**
   * How many recent errors are kept per lead time for the bands, one per target
   * interval: three days' worth. At one lead, a day's errors mostly share that day's
   * weather, so one day is a single draw of the day-to-day variation and its bands came
   * out too narrow (P10–P90 covered 62% of state-of-charge actuals on the 7-day
   * simulated fleet, 77% with three days; benchmarks/RESULTS.md). The choice of method
   * weighs errors with its own half-life (12 h).
   */
  errorWindow: number;
  parameters: readonly ForecastParameter[];
}

export function defaultForecastSettings(): ForecastSettings {
  return {
    issueEveryMs: 900_000,
    intervalMs: 900_000,
    horizon: 96,
    seasonMs: DAY_MS,
    errorWindow: 288,
    parameters: ['activePower', 'maxActivePower', 'minActivePower', 'stateOfCharge'],
  };
}

/** Reads the settings of the table above; `windowMs` is the status window `W` they must fit. */
export function parseForecastConfig(env: Env, windowMs: number): ForecastSettings {
  const defaults = defaultForecastSettings();
  return validateForecastSettings(
    {
      ...defaults,
      issueEveryMs: durationSetting(env, 'DERSTREAM_FORECAST_EVERY', defaults.issueEveryMs, 1),
      intervalMs: durationSetting(env, 'DERSTREAM_FORECAST_INTERVAL', defaults.intervalMs, 1),
      horizon: integerSetting(env, 'DERSTREAM_FORECAST_HORIZON', defaults.horizon, 1, 1_000_000),
    },
    windowMs,
  );
}

/**
 * Checks that the settings fit together, and returns them. Every rule comes from how
 * forecasts are built from statuses:
 * - an interval is made of whole status windows, or its mean would be of part of one;
 * - a day is made of whole intervals, so that "the same time one day earlier" is an interval;
 * - forecasts are issued at interval boundaries, where a new interval mean is known;
 * - a horizon is at most one season: a forecast is scored by recomputing it from what
 *   its method knew at issue time, which the seasonal methods keep for one season only
 *   (see `pendingForecasts.ts`).
 */
export function validateForecastSettings(settings: ForecastSettings, windowMs: number): ForecastSettings {
  const { issueEveryMs, intervalMs, horizon, seasonMs, errorWindow, parameters } = settings;
  if (!Number.isSafeInteger(intervalMs) || intervalMs <= 0 || intervalMs % windowMs !== 0) {
    throw new ConfigError(
      'DERSTREAM_FORECAST_INTERVAL',
      `${intervalMs} ms must be a whole number of status windows (DERSTREAM_WINDOW, ${windowMs} ms)`,
    );
  }
  if (seasonMs % intervalMs !== 0) {
    throw new ConfigError(
      'DERSTREAM_FORECAST_INTERVAL',
      `${intervalMs} ms must divide a day (${seasonMs} ms) into whole intervals`,
    );
  }
  if (!Number.isSafeInteger(issueEveryMs) || issueEveryMs <= 0 || issueEveryMs % intervalMs !== 0) {
    throw new ConfigError(
      'DERSTREAM_FORECAST_EVERY',
      `${issueEveryMs} ms must be a whole number of forecast intervals (DERSTREAM_FORECAST_INTERVAL, ${intervalMs} ms)`,
    );
  }
  const seasonLength = seasonMs / intervalMs;
  if (!Number.isInteger(horizon) || horizon < 1 || horizon > seasonLength) {
    throw new ConfigError(
      'DERSTREAM_FORECAST_HORIZON',
      `${horizon} must be from 1 to ${seasonLength}: at most a day of ${intervalMs} ms intervals`,
    );
  }
  if (!Number.isInteger(errorWindow) || errorWindow < 1) {
    throw new ConfigError('forecast errorWindow', `${errorWindow} must be a positive integer`);
  }
  if (
    parameters.length === 0 ||
    new Set(parameters).size !== parameters.length ||
    parameters.some((p) => !FORECAST_PARAMETERS.includes(p))
  ) {
    throw new ConfigError(
      'forecast parameters',
      `[${parameters.join(', ')}] must be distinct names from ${FORECAST_PARAMETERS.join(', ')}`,
    );
  }
  return settings;
}
