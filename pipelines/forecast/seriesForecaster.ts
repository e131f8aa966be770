import { ErrorBands } from './errorBands';
import { ErrorBatch } from './forecastAccuracy';
import { ForecastParameter, PARAMETER_BOUNDS } from './forecastConfig';
import { FORECAST_METHODS, ForecastMethod, Forecaster } from './forecaster';
import { ForecastPlan } from './forecastPlan';
import { HoltWinters } from './holtWinters';
import { ForecastBatch } from './issuedForecast';
import { MethodSelection } from './methodSelection';
import { PendingForecasts } from './pendingForecasts';
import { Persistence } from './persistence';
import { SeasonalNaive } from './seasonalNaive';

// Shared by every series, each using them only within one call: an array per series
// costs more in the heap than the numbers it holds (see typedArena.ts).
/** P10, P50, P90 of the last point computed. */
const point = new Float64Array(3);
/** The slots of the forecasts being scored. */
let covering = new Int32Array(0);

/**
 * Forecasts of one parameter of one group: every method, its bands, the choice of the
 * one to publish, and the scoring of every method's forecasts as their intervals'
 * actuals come in.
 *
 * Fed in interval order: `observe` every interval before `k` (a gap as NaN, or not at
 * all) before `issue(k)`, and `issue(k)` before `observe(k)`. Values of a bounded
 * parameter (state of charge, 0..100) are forecast within its bounds.
 */
export class SeriesForecaster {
  private readonly forecasters: Forecaster[];
  private readonly bands: ErrorBands[];
  private readonly selection: MethodSelection;
  /** Offset of each method's frozen numbers within a forecast's. */
  private readonly frozenAt: number[] = [];
  private readonly frozenSize: number;
  /** Band numbers per method: lower then upper offsets at each representative lead. */
  private readonly bandSize: number;
  private readonly bounds: readonly [number, number] | undefined;
  private readonly pending: PendingForecasts;
  /** The last forecast issued: its slot and first interval. */
  private issuedSlot = -1;
  private issuedK = NaN;
  private lastK = NaN;

  constructor(
    readonly groupId: string,
    readonly parameter: ForecastParameter,
    private readonly plan: ForecastPlan,
  ) {
    const { seasonLength, grid, arena, issueStride } = plan;
    const { errorWindow, horizon } = plan.settings;
    const byMethod: Record<ForecastMethod, Forecaster> = {
      persistence: new Persistence(),
      seasonalNaive: new SeasonalNaive(seasonLength, arena),
      holtWinters: new HoltWinters(seasonLength, arena),
    };
    this.forecasters = FORECAST_METHODS.map((method) => byMethod[method]);
    this.bands = FORECAST_METHODS.map(() => new ErrorBands(grid, errorWindow, arena));
    // Half a season: recent enough to follow a change within a day.
    this.selection = new MethodSelection(FORECAST_METHODS.length, seasonLength / 2, arena);
    let size = 0;
    for (const forecaster of this.forecasters) {
      this.frozenAt.push(size);
      size += forecaster.frozenSize;
    }
    this.frozenSize = size;
    this.bandSize = 2 * grid.size;
    this.bounds = PARAMETER_BOUNDS[parameter];
    const methods = FORECAST_METHODS.length;
    this.pending = new PendingForecasts(horizon, issueStride, size, methods * this.bandSize, arena);
  }

  /**
   * The mean of interval `k` is `y` (NaN: a gap, which changes nothing). First every
   * forecast that holds `k` is scored, into `errors`, then every method learns `y`.
   */
  observe(k: number, y: number, errors: ErrorBatch): void {
    if (Number.isNaN(y)) return;
    this.score(k, y, errors);
    for (const forecaster of this.forecasters) forecaster.update(k, y);
    this.lastK = k;
  }

  /**
   * Issues the forecasts of every method for the horizon starting at interval `k` (kept
   * to be scored; `issueInto` gives their points), and returns the index (in
   * {@link FORECAST_METHODS}) of the one to publish; -1 when the series has had no value
   * for a season, and has nothing to forecast from.
   */
  issue(k: number): number {
    if (!(this.lastK >= k - this.plan.seasonLength)) return -1;
    const methods = this.forecasters.length;
    const pending = this.pending;
    const slot = pending.claim(k);
    for (let method = 0; method < methods; method++) {
      this.forecasters[method]!.freeze(pending.frozen, slot * this.frozenSize + this.frozenAt[method]!);
      this.bands[method]!.snapshot(pending.bands, (slot * methods + method) * this.bandSize);
    }
    this.issuedSlot = slot;
    this.issuedK = k;
    return this.selection.best();
  }

  /** Adds `method`'s forecast from the last `issue` to `batch` (issued at its start). */
  issueInto(batch: ForecastBatch, method: number, published: boolean): void {
    const pending = this.pending;
    const at = batch.add(this.groupId, this.parameter, FORECAST_METHODS[method]!, published);
    const { p10, p50, p90 } = batch;
    for (let lead = 1; lead <= batch.horizon; lead++) {
      this.pointOf(pending, this.issuedSlot, method, this.issuedK + lead - 1, lead);
      p10[at + lead - 1] = point[0]!;
      p50[at + lead - 1] = point[1]!;
      p90[at + lead - 1] = point[2]!;
    }
  }

  private score(k: number, actual: number, errors: ErrorBatch): void {
    const pending = this.pending;
    if (covering.length < pending.maxCovering) covering = new Int32Array(pending.maxCovering);
    const n = pending.covering(k, covering);
    if (n === 0) return;
    errors.addSeries(this.groupId, this.parameter);
    for (let i = 0; i < n; i++) {
      const slot = covering[i]!;
      const lead = k - pending.firstOf(slot) + 1;
      for (let method = 0; method < this.forecasters.length; method++) {
        this.pointOf(pending, slot, method, k, lead);
        const error = actual - point[1]!;
        this.bands[method]!.record(lead, error);
        this.selection.record(k, method, error);
        errors.add(method, lead, actual, point[0]!, point[1]!, point[2]!);
      }
    }
  }

  /** P10, P50, P90 into `point`: the one computation behind both publishing and scoring. */
  private pointOf(pending: PendingForecasts, slot: number, method: number, k: number, lead: number): void {
    const grid = this.plan.grid;
    const frozenAt = slot * this.frozenSize + this.frozenAt[method]!;
    const bandAt = (slot * this.forecasters.length + method) * this.bandSize;
    let p50 = this.forecasters[method]!.pointAt(pending.frozen, frozenAt, k);
    // The offsets are <= 0 and >= 0, and clamping keeps order: P10 <= P50 <= P90.
    let p10 = p50 + grid.interpolate(pending.bands, bandAt, lead);
    let p90 = p50 + grid.interpolate(pending.bands, bandAt + grid.size, lead);
    if (this.bounds) {
      const [low, high] = this.bounds;
      p10 = Math.min(high, Math.max(low, p10));
      p50 = Math.min(high, Math.max(low, p50));
      p90 = Math.min(high, Math.max(low, p90));
    }
    point[0] = p10;
    point[1] = p50;
    point[2] = p90;
  }
}
