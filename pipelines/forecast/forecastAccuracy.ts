import { ForecastParameter } from './forecastConfig';
import { FORECAST_METHODS, ForecastMethod } from './forecaster';

/**
 * The error of one forecast at one interval, once the interval's actual (the mean of
 * the group's statuses over it) is known: `error = actual − p50`, positive when the
 * forecast was too low. Every method is scored, published or not. `intervalNumber` is
 * the lead, in intervals.
 */
export interface ForecastError {
  groupId: string;
  parameter: ForecastParameter;
  method: ForecastMethod;
  issuedAt: number;
  intervalNumber: number;
  intervalStart: number;
  actual: number;
  p10: number;
  p50: number;
  p90: number;
  error: number;
}

/**
 * The error records of one interval, in columns (why columns: see `ForecastBatch`; a
 * fleet of 10,000 groups scores over 10 million forecast points per interval). Record
 * `i` is of the series (group and parameter) `seriesOf[i]`, the method
 * `FORECAST_METHODS[methodOf[i]]`, at lead `leadOf[i]`; `record(i)` gives it as a
 * {@link ForecastError}.
 */
export class ErrorBatch {
  readonly seriesGroupIds: string[] = [];
  readonly seriesParameters: ForecastParameter[] = [];
  private length = 0;
  private ints: [Int32Array, Int32Array, Int32Array];
  private doubles: [Float64Array, Float64Array, Float64Array, Float64Array];

  constructor(
    readonly intervalStart: number,
    readonly intervalMs: number,
    capacity = 1024,
  ) {
    const n = Math.max(1, capacity);
    this.ints = [new Int32Array(n), new Int32Array(n), new Int32Array(n)];
    this.doubles = [new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  }

  get size(): number {
    return this.length;
  }

  get seriesOf(): Int32Array {
    return this.ints[0];
  }

  get methodOf(): Int32Array {
    return this.ints[1];
  }

  get leadOf(): Int32Array {
    return this.ints[2];
  }

  get actual(): Float64Array {
    return this.doubles[0];
  }

  get p10(): Float64Array {
    return this.doubles[1];
  }

  get p50(): Float64Array {
    return this.doubles[2];
  }

  get p90(): Float64Array {
    return this.doubles[3];
  }

  /** Starts the records of a series; `add` appends to the latest one. */
  addSeries(groupId: string, parameter: ForecastParameter): void {
    this.seriesGroupIds.push(groupId);
    this.seriesParameters.push(parameter);
  }

  add(method: number, lead: number, actual: number, p10: number, p50: number, p90: number): void {
    if (this.length === this.ints[0].length) this.grow();
    const i = this.length++;
    this.ints[0][i] = this.seriesGroupIds.length - 1;
    this.ints[1][i] = method;
    this.ints[2][i] = lead;
    this.doubles[0][i] = actual;
    this.doubles[1][i] = p10;
    this.doubles[2][i] = p50;
    this.doubles[3][i] = p90;
  }

  record(i: number): ForecastError {
    const series = this.seriesOf[i]!;
    const lead = this.leadOf[i]!;
    const actual = this.actual[i]!;
    const p50 = this.p50[i]!;
    return {
      groupId: this.seriesGroupIds[series]!,
      parameter: this.seriesParameters[series]!,
      method: FORECAST_METHODS[this.methodOf[i]!]!,
      issuedAt: this.intervalStart - (lead - 1) * this.intervalMs,
      intervalNumber: lead,
      intervalStart: this.intervalStart,
      actual,
      p10: this.p10[i]!,
      p50,
      p90: this.p90[i]!,
      error: actual - p50,
    };
  }

  private grow(): void {
    const grown = <T extends Int32Array | Float64Array>(column: T): T => {
      const bigger = new (column.constructor as new (n: number) => T)(column.length * 2);
      bigger.set(column);
      return bigger;
    };
    this.ints = this.ints.map(grown) as [Int32Array, Int32Array, Int32Array];
    this.doubles = this.doubles.map(grown) as [Float64Array, Float64Array, Float64Array, Float64Array];
  }
}

/**
 * - `mae`: mean absolute error;
 * - `rmae`: MAE over the range of the actuals (max − min), null when they are all equal;
 * - `skill`: 1 − MAE / MAE of persistence on the same points (1 perfect, 0 no better than
 *   persistence, negative worse), null without persistence errors to compare with;
 * - `coverage`: the share of actuals inside [P10, P90], 0.8 when the bands are right.
 */
export interface AccuracyFigures {
  n: number;
  mae: number;
  rmae: number | null;
  skill: number | null;
  coverage: number;
}

export interface SeriesAccuracy extends AccuracyFigures {
  groupId: string;
  parameter: ForecastParameter;
  method: ForecastMethod;
}

/**
 * One parameter and method over all groups: MAE and coverage pooled over every point;
 * rMAE the mean of the groups' rMAE weighted by their points (each group's errors in
 * its own range, so a large group does not drown the small ones); skill pooled, 1 − the
 * sum of absolute errors over that of persistence on the same points.
 */
export interface OverallAccuracy extends AccuracyFigures {
  parameter: ForecastParameter;
  method: ForecastMethod;
}

export interface AccuracySummary {
  series: SeriesAccuracy[];
  overall: OverallAccuracy[];
}

interface Tally {
  groupId: string;
  parameter: ForecastParameter;
  method: ForecastMethod;
  n: number;
  absSum: number;
  covered: number;
  minActual: number;
  maxActual: number;
}

/**
 * Accumulates error records into {@link AccuracySummary} figures per group, parameter
 * and method, and per parameter and method overall. Skill compares a method with
 * persistence on the same points: the forecast engine scores every method wherever it
 * scores persistence, so equal counts mean equal points; where counts differ (records
 * fed selectively) skill is null rather than a comparison of different things.
 *
 * The summary is in a fixed order (by group, parameter, then method as listed), so the
 * same records in the same order give the same bytes.
 */
export class AccuracyAccumulator {
  private readonly tallies = new Map<string, Tally>();

  add(record: ForecastError): void {
    const { groupId, parameter, method, actual, p10, p90, error } = record;
    count(this.tallyOf(groupId, parameter, method), actual, p10, p90, error);
  }

  /** Adds every record of `batch`, as `add` would one by one. */
  addBatch(batch: ErrorBatch): void {
    const { seriesOf, methodOf, actual, p10, p50, p90 } = batch;
    let tallies: (Tally | undefined)[] = [];
    let series = -1;
    for (let i = 0; i < batch.size; i++) {
      if (seriesOf[i] !== series) {
        series = seriesOf[i]!;
        tallies = [];
      }
      const method = methodOf[i]!;
      const tally = (tallies[method] ??= this.tallyOf(
        batch.seriesGroupIds[series]!,
        batch.seriesParameters[series]!,
        FORECAST_METHODS[method]!,
      ));
      count(tally, actual[i]!, p10[i]!, p90[i]!, actual[i]! - p50[i]!);
    }
  }

  private tallyOf(groupId: string, parameter: ForecastParameter, method: ForecastMethod): Tally {
    const key = keyOf(groupId, parameter, method);
    let tally = this.tallies.get(key);
    if (!tally) {
      tally = {
        groupId,
        parameter,
        method,
        n: 0,
        absSum: 0,
        covered: 0,
        minActual: Infinity,
        maxActual: -Infinity,
      };
      this.tallies.set(key, tally);
    }
    return tally;
  }

  summary(): AccuracySummary {
    const tallies = [...this.tallies.values()].sort(
      (a, b) => compare(a.groupId, b.groupId) || compare(a.parameter, b.parameter) || byMethod(a, b),
    );
    const series: SeriesAccuracy[] = [];
    const pooled = new Map<string, Pool>();
    for (const tally of tallies) {
      const { groupId, parameter, method, n, absSum, covered } = tally;
      const range = tally.maxActual - tally.minActual;
      const baseline = this.tallies.get(keyOf(groupId, parameter, 'persistence'));
      const comparable = baseline !== undefined && baseline.n === n;
      series.push({
        groupId,
        parameter,
        method,
        n,
        mae: absSum / n,
        rmae: range > 0 ? absSum / n / range : null,
        skill: comparable && baseline.absSum > 0 ? 1 - absSum / baseline.absSum : null,
        coverage: covered / n,
      });
      const poolKey = `${parameter}\u0000${method}`;
      let pool = pooled.get(poolKey);
      if (!pool) {
        pool = {
          parameter,
          method,
          n: 0,
          absSum: 0,
          covered: 0,
          rangedN: 0,
          scaledSum: 0,
          skillAbsSum: 0,
          baselineAbsSum: 0,
        };
        pooled.set(poolKey, pool);
      }
      pool.n += n;
      pool.absSum += absSum;
      pool.covered += covered;
      if (range > 0) {
        pool.rangedN += n;
        pool.scaledSum += absSum / range;
      }
      if (comparable) {
        pool.skillAbsSum += absSum;
        pool.baselineAbsSum += baseline.absSum;
      }
    }
    const overall = [...pooled.values()]
      .sort((a, b) => compare(a.parameter, b.parameter) || byMethod(a, b))
      .map((pool) => ({
        parameter: pool.parameter,
        method: pool.method,
        n: pool.n,
        mae: pool.absSum / pool.n,
        rmae: pool.rangedN > 0 ? pool.scaledSum / pool.rangedN : null,
        skill: pool.baselineAbsSum > 0 ? 1 - pool.skillAbsSum / pool.baselineAbsSum : null,
        coverage: pool.covered / pool.n,
      }));
    return { series, overall };
  }
}

/** One parameter and method summed over groups; the parts of skill and rMAE only over the groups that have them. */
interface Pool {
  parameter: ForecastParameter;
  method: ForecastMethod;
  n: number;
  absSum: number;
  covered: number;
  rangedN: number;
  scaledSum: number;
  skillAbsSum: number;
  baselineAbsSum: number;
}

function byMethod(a: { method: ForecastMethod }, b: { method: ForecastMethod }): number {
  return FORECAST_METHODS.indexOf(a.method) - FORECAST_METHODS.indexOf(b.method);
}

function count(tally: Tally, actual: number, p10: number, p90: number, error: number): void {
  tally.n++;
  tally.absSum += Math.abs(error);
  if (p10 <= actual && actual <= p90) tally.covered++;
  tally.minActual = Math.min(tally.minActual, actual);
  tally.maxActual = Math.max(tally.maxActual, actual);
}

function keyOf(groupId: string, parameter: string, method: string): string {
  return `${groupId}\u0000${parameter}\u0000${method}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
