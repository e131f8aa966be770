import { GroupStatus } from '../aggregate/groupStatus';
import { StatusSemantics } from '../statusEngine';
import { ErrorBatch } from './forecastAccuracy';
import { ForecastSettings } from './forecastConfig';
import { FORECAST_METHODS } from './forecaster';
import { forecastPlan, ForecastPlan } from './forecastPlan';
import { GroupForecaster } from './groupForecaster';
import { ForecastBatch } from './issuedForecast';

/** The forecasts issued at one time, or the errors scored when one interval closed; never empty. */
export type ForecastOutput =
  { kind: 'forecasts'; batch: ForecastBatch } | { kind: 'errors'; batch: ErrorBatch };

export interface ForecastEngineOptions {
  /** Output the forecasts of every method, not only the published one per group and parameter. */
  allMethods?: boolean;
}

/**
 * Group statuses in, forecasts and their errors out, for the whole fleet, on event time
 * only (SEMANTICS.md §5): no wall clock, so a replay gives the same output as the live
 * run over the same statuses, and the same input twice gives the same bytes.
 *
 * Feed it every status version in emission order, and after each batch the watermark
 * the statuses were emitted under. Once the watermark is past an interval's end by the
 * allowed lateness `L` (when its statuses can no longer change), the interval is closed:
 * its means are learnt, and every forecast that held it is scored (all methods, one
 * error record per forecast and method). Then, at each boundary of the schedule
 * (multiples of the issue period), forecasts are issued for the `H` intervals starting
 * there, `issuedAt` being that boundary. So an issue at `t` knows every interval before
 * `t`; with `L > 0` it waits until the watermark reaches `t + L`.
 *
 * Output order is deterministic: by interval; within one, the errors of the interval
 * then the forecasts issued at its end; by group mRID, then parameter as configured.
 *
 * Memory is bounded: a forecast is kept, compactly, until its horizon has passed
 * (`pendingForecasts.ts`), and a group with no status for a season (deleted) is
 * forgotten.
 */
export class ForecastEngine {
  private readonly plan: ForecastPlan;
  private readonly groups = new Map<string, GroupForecaster>();
  private sorted: GroupForecaster[] | undefined;
  /** The next interval to close (NaN: none until a status comes). */
  private nextK = NaN;
  private closedThroughK = -Infinity;
  private dropped = 0;

  constructor(
    settings: ForecastSettings,
    private readonly timing: Pick<StatusSemantics, 'windowMs' | 'latenessMs'>,
    private readonly options: ForecastEngineOptions = {},
  ) {
    this.plan = forecastPlan(settings, timing.windowMs);
  }

  /** Groups with forecast state. */
  get groupCount(): number {
    return this.groups.size;
  }

  /** Statuses dropped because their interval was already closed (the watermark was fed ahead of them). */
  get droppedStatuses(): number {
    return this.dropped;
  }

  status(status: GroupStatus): void {
    const k = Math.floor(status.windowStart / this.plan.settings.intervalMs);
    if (k <= this.closedThroughK) {
      this.dropped++;
      return;
    }
    let group = this.groups.get(status.groupId);
    if (!group) {
      group = new GroupForecaster(status.groupId, this.plan);
      this.groups.set(status.groupId, group);
      this.sorted = undefined;
    }
    group.add(status);
    if (!(this.nextK <= k)) this.nextK = k;
  }

  /** The watermark moved to `watermark`: closes the intervals it has passed and issues on schedule. */
  advance(watermark: number): ForecastOutput[] {
    const out: ForecastOutput[] = [];
    const { intervalMs } = this.plan.settings;
    while ((this.nextK + 1) * intervalMs + this.timing.latenessMs <= watermark) {
      const k = this.nextK;
      this.close(k, out);
      this.closedThroughK = k;
      this.nextK = k + 1;
      if ((k + 1) % this.plan.issueStride === 0) this.issue(k + 1, out);
      // With no group left, there is nothing to close until a status comes.
      if (this.groups.size === 0) this.nextK = NaN;
    }
    return out;
  }

  private close(k: number, out: ForecastOutput[]): void {
    const { intervalMs } = this.plan.settings;
    const batch = new ErrorBatch(k * intervalMs, intervalMs);
    for (const group of this.groupsInOrder()) group.close(k, batch);
    if (batch.size > 0) out.push({ kind: 'errors', batch });
  }

  private issue(k: number, out: ForecastOutput[]): void {
    const { intervalMs, horizon, parameters } = this.plan.settings;
    const allMethods = this.options.allMethods ?? false;
    const perGroup = parameters.length * (allMethods ? FORECAST_METHODS.length : 1);
    const batch = new ForecastBatch(k * intervalMs, intervalMs, horizon, this.groups.size * perGroup);
    for (const group of this.groupsInOrder()) {
      if (group.lastAddedInterval < k - this.plan.seasonLength) {
        this.groups.delete(group.groupId);
        this.sorted = undefined;
        continue;
      }
      group.issue(k, batch, allMethods);
    }
    if (batch.size > 0) out.push({ kind: 'forecasts', batch });
  }

  private groupsInOrder(): GroupForecaster[] {
    return (this.sorted ??= [...this.groups.values()].sort((a, b) =>
      a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0,
    ));
  }
}
