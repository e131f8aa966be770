import { GroupStatus } from '../aggregate/groupStatus';
import { ForecastParameter } from './forecastConfig';

/**
 * Turns the statuses of one group into interval means, the actuals that forecasts are
 * made from and scored against (SEMANTICS.md §5): per parameter, the mean over the
 * status windows of the interval that have a value for it, each window counting once.
 * A null is skipped; an interval where no window has a value is a gap (NaN), not a
 * zero. Intervals are numbered `k = start / I`, and hold the windows that start in
 * them (`I` is a whole number of windows, so each window is in exactly one).
 *
 * A status version replaces the one before it for its window (the last one added wins:
 * statuses come in emission order). Adding a status of an interval already taken is
 * the caller's mistake; the forecast engine drops them (they cannot happen when it
 * takes an interval only once the allowed lateness has passed).
 */
export class IntervalAverager {
  /** Interval → each window's value per parameter (NaN: none), windows in time order. */
  private readonly open = new Map<number, Float64Array>();
  private readonly windowsPerInterval: number;

  constructor(
    private readonly parameters: readonly ForecastParameter[],
    private readonly intervalMs: number,
    private readonly windowMs: number,
  ) {
    this.windowsPerInterval = intervalMs / windowMs;
  }

  /** The interval a status falls into. */
  intervalOf(status: GroupStatus): number {
    return Math.floor(status.windowStart / this.intervalMs);
  }

  add(status: GroupStatus): void {
    const k = this.intervalOf(status);
    const width = this.parameters.length;
    let values = this.open.get(k);
    if (!values) {
      values = new Float64Array(this.windowsPerInterval * width).fill(NaN);
      this.open.set(k, values);
    }
    const at = Math.floor((status.windowStart - k * this.intervalMs) / this.windowMs) * width;
    for (let p = 0; p < width; p++) values[at + p] = status[this.parameters[p]!] ?? NaN;
  }

  /**
   * The means of interval `k` per parameter (NaN: a gap), and forgets it; undefined
   * when no status of the group fell into it.
   */
  take(k: number): Float64Array | undefined {
    const values = this.open.get(k);
    if (!values) return undefined;
    this.open.delete(k);
    const width = this.parameters.length;
    const means = new Float64Array(width);
    for (let p = 0; p < width; p++) {
      let sum = 0;
      let n = 0;
      for (let at = p; at < values.length; at += width) {
        const value = values[at]!;
        if (Number.isNaN(value)) continue;
        sum += value;
        n++;
      }
      means[p] = n === 0 ? NaN : sum / n;
    }
    return means;
  }
}
