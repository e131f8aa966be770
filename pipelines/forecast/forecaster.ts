/** The forecasting methods, in the order they are listed, scored and preferred on a tie. */
export const FORECAST_METHODS = ['persistence', 'seasonalNaive', 'holtWinters'] as const;
export type ForecastMethod = (typeof FORECAST_METHODS)[number];

/**
 * One forecasting method for one series of interval means (one group, one parameter).
 * Intervals are numbered `k = start / I`; a series is fed in increasing `k`, and a NaN
 * mean is a gap (no status had a value in the interval): it is skipped, never read as
 * zero.
 *
 * A forecast is not kept as its points. At issue time the method writes the few numbers
 * that fix it (`freeze`); its P50 for any interval of the horizon is `pointAt` of those
 * numbers, both when it is issued and when the interval's actual is known and the
 * forecast is scored. What `pointAt` reads from the method's own state besides them
 * (the seasonal memory of the interval's time of day) does not change between the two,
 * since that time of day comes round again only one season later and horizons are at
 * most one season (see `pendingForecasts.ts` for why, and what it saves).
 */
export interface Forecaster {
  /** How many numbers `freeze` writes. */
  readonly frozenSize: number;
  /** The mean of interval `k` is `y`, NaN for a gap. */
  update(k: number, y: number): void;
  /** Writes what fixes a forecast issued now into `into[at ..]`. Needs one update with a value first. */
  freeze(into: Float64Array, at: number): void;
  /** The P50 for interval `k` of the forecast frozen at `frozen[at ..]`. */
  pointAt(frozen: Float64Array, at: number, k: number): number;
}

/** The position of interval `k` in a season of `length` intervals (k may be negative). */
export function phaseOf(k: number, length: number): number {
  return ((k % length) + length) % length;
}
