import { ErrorBatch } from './forecastAccuracy';
import { ForecastParameter } from './forecastConfig';
import { FORECAST_METHODS, ForecastMethod } from './forecaster';
import { ForecastBatch } from './issuedForecast';

/** Accuracy of what was published, for one parameter and a range of leads. */
export interface PublishedAccuracy {
  parameter: ForecastParameter;
  /** Leads (intervals ahead, 1 = the first) from `fromLead` to `toLead`, inclusive. */
  fromLead: number;
  toLead: number;
  n: number;
  mae: number;
  /** 1 − MAE / MAE of persistence on the same points. */
  skill: number | null;
  /** Share of actuals within [P10, P90]. */
  coverage: number;
}

interface Tally {
  n: number;
  absSum: number;
  persistenceAbsSum: number;
  covered: number;
}

const PERSISTENCE = FORECAST_METHODS.indexOf('persistence');

/**
 * Scores the forecasts that were published (the method selection's choice per group,
 * parameter and issue time), per parameter and lead, against persistence on the same
 * points: the figure a DMS sees, where the per-method accuracy says how each candidate
 * did. Feed the forecast batches (published forecasts are enough) and the error batches
 * of every method, in the engine's output order.
 */
export class PublishedAccuracyAccumulator {
  /** `group\0parameter\0issuedAt` → index of the published method. */
  private readonly published = new Map<string, number>();
  private readonly tallies = new Map<string, Tally[]>();

  constructor(private readonly horizon: number) {}

  addForecasts(batch: ForecastBatch): void {
    for (let i = 0; i < batch.size; i++) {
      if (!batch.published[i]) continue;
      const method = FORECAST_METHODS.indexOf(batch.methods[i] as ForecastMethod);
      this.published.set(key(batch.groupIds[i]!, batch.parameters[i]!, batch.issuedAt), method);
    }
  }

  addErrors(batch: ErrorBatch): void {
    const { seriesOf, methodOf, leadOf, actual, p10, p50, p90 } = batch;
    // Errors come by series, then by forecast (lead), all methods of one forecast together.
    const persistenceError = new Map<number, number>();
    const chosen: { i: number; lead: number; series: number }[] = [];
    for (let i = 0; i < batch.size; i++) {
      const lead = leadOf[i]!;
      const series = seriesOf[i]!;
      if (methodOf[i] === PERSISTENCE)
        persistenceError.set(series * 1024 + lead, Math.abs(actual[i]! - p50[i]!));
      const issuedAt = batch.intervalStart - (lead - 1) * batch.intervalMs;
      const method = this.published.get(
        key(batch.seriesGroupIds[series]!, batch.seriesParameters[series]!, issuedAt),
      );
      if (method === methodOf[i]) chosen.push({ i, lead, series });
    }
    for (const { i, lead, series } of chosen) {
      const baseline = persistenceError.get(series * 1024 + lead);
      if (baseline === undefined) continue;
      const parameter = batch.seriesParameters[series]!;
      let byLead = this.tallies.get(parameter);
      if (!byLead) {
        byLead = Array.from({ length: this.horizon + 1 }, () => ({
          n: 0,
          absSum: 0,
          persistenceAbsSum: 0,
          covered: 0,
        }));
        this.tallies.set(parameter, byLead);
      }
      const tally = byLead[lead]!;
      tally.n++;
      tally.absSum += Math.abs(actual[i]! - p50[i]!);
      tally.persistenceAbsSum += baseline;
      if (actual[i]! >= p10[i]! && actual[i]! <= p90[i]!) tally.covered++;
    }
    // A forecast issued a horizon before this interval has no interval left to score.
    const oldest = batch.intervalStart - (this.horizon - 1) * batch.intervalMs;
    for (const k of this.published.keys())
      if (Number(k.slice(k.lastIndexOf('\u0000') + 1)) <= oldest) this.published.delete(k);
  }

  /** Figures per parameter for each range of leads given, e.g. `[[1, 15], [16, 96]]`. */
  summary(ranges: readonly (readonly [number, number])[]): PublishedAccuracy[] {
    const out: PublishedAccuracy[] = [];
    for (const [parameter, byLead] of [...this.tallies.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      for (const [fromLead, toLead] of ranges) {
        const sum = byLead.slice(fromLead, toLead + 1).reduce(
          (a, t) => ({
            n: a.n + t.n,
            absSum: a.absSum + t.absSum,
            persistenceAbsSum: a.persistenceAbsSum + t.persistenceAbsSum,
            covered: a.covered + t.covered,
          }),
          { n: 0, absSum: 0, persistenceAbsSum: 0, covered: 0 },
        );
        if (sum.n === 0) continue;
        out.push({
          parameter: parameter as ForecastParameter,
          fromLead,
          toLead,
          n: sum.n,
          mae: sum.absSum / sum.n,
          skill: sum.persistenceAbsSum > 0 ? 1 - sum.absSum / sum.persistenceAbsSum : null,
          coverage: sum.covered / sum.n,
        });
      }
    }
    return out;
  }
}

function key(groupId: string, parameter: string, issuedAt: number): string {
  return `${groupId}\u0000${parameter}\u0000${issuedAt}`;
}
