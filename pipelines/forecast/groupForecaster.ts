import { GroupStatus } from '../aggregate/groupStatus';
import { ErrorBatch } from './forecastAccuracy';
import { FORECAST_METHODS } from './forecaster';
import { ForecastPlan } from './forecastPlan';
import { IntervalAverager } from './intervalAverager';
import { ForecastBatch } from './issuedForecast';
import { SeriesForecaster } from './seriesForecaster';

/**
 * The forecasts of one group: its statuses become interval means, which feed one
 * {@link SeriesForecaster} per parameter.
 *
 * A group's statuses follow its membership (SEMANTICS.md §2, §4): a member joining or
 * leaving moves the group's figures at once. Nothing here resets on such a change: to
 * the forecasters it is a level shift, which persistence follows at once and the
 * seasonal methods take in over their history (see `holtWinters.ts`), and the choice of
 * method goes to whichever has scored best since.
 */
export class GroupForecaster {
  private readonly averager: IntervalAverager;
  /** Per parameter, from its first value on (a group without batteries never has a state of charge). */
  private readonly series: (SeriesForecaster | undefined)[];
  /** The last interval closed with a status of the group in it. */
  private lastStatusK = NaN;
  private lastAddedK = -Infinity;

  constructor(
    readonly groupId: string,
    private readonly plan: ForecastPlan,
  ) {
    const { parameters, intervalMs } = plan.settings;
    this.averager = new IntervalAverager(parameters, intervalMs, plan.windowMs);
    this.series = parameters.map(() => undefined);
  }

  /** The interval of the latest status added (-Infinity: none yet). */
  get lastAddedInterval(): number {
    return this.lastAddedK;
  }

  add(status: GroupStatus): void {
    this.averager.add(status);
    this.lastAddedK = Math.max(this.lastAddedK, this.averager.intervalOf(status));
  }

  /** Interval `k` is over and its statuses final: its means are learnt, and the forecasts that hold it scored into `errors`. */
  close(k: number, errors: ErrorBatch): void {
    const means = this.averager.take(k);
    if (!means) return;
    this.lastStatusK = k;
    const { parameters } = this.plan.settings;
    for (let p = 0; p < parameters.length; p++) {
      const mean = means[p]!;
      if (Number.isNaN(mean) && !this.series[p]) continue;
      const series = (this.series[p] ??= new SeriesForecaster(this.groupId, parameters[p]!, this.plan));
      series.observe(k, mean, errors);
    }
  }

  /**
   * Issues the forecasts for the horizon starting at interval `k` into `batch`: per
   * parameter with a recent value, the published method's, or every method's with
   * `allMethods`. None when the group had no status in the interval before: it no
   * longer exists (a group that exists has a status for every window, SEMANTICS.md §4).
   */
  issue(k: number, batch: ForecastBatch, allMethods: boolean): void {
    if (this.lastStatusK !== k - 1) return;
    for (const series of this.series) {
      if (!series) continue;
      const published = series.issue(k);
      if (published < 0) continue;
      if (!allMethods) {
        series.issueInto(batch, published, true);
        continue;
      }
      for (let method = 0; method < FORECAST_METHODS.length; method++) {
        series.issueInto(batch, method, method === published);
      }
    }
  }
}
