import { ForecastParameter } from './forecastConfig';
import { ForecastMethod } from './forecaster';

/** One interval of a forecast: `start` epoch ms, `intervalNumber` from 1 (the lead, in intervals). */
export interface ForecastPoint {
  intervalNumber: number;
  start: number;
  p10: number;
  p50: number;
  p90: number;
}

/**
 * One forecast of one group, parameter and method, issued at `issuedAt` (a boundary of
 * the schedule, in watermark time) for the intervals of length `intervalMs` that start
 * there. `p10 <= p50 <= p90` at every point. This is also the line of the replay's
 * `forecasts.ndjson`; field order is fixed, so equal forecasts are equal bytes.
 */
export interface IssuedForecast {
  groupId: string;
  parameter: ForecastParameter;
  method: ForecastMethod;
  issuedAt: number;
  intervalMs: number;
  points: ForecastPoint[];
}

/**
 * The forecasts issued at one time, in columns: forecast `i` has its points at
 * `i * horizon ..` of `p10`, `p50` and `p90`, interval `j` (from 0) starting at
 * `issuedAt + j * intervalMs`. `forecast(i)` gives it as an {@link IssuedForecast}.
 *
 * Why columns: a fleet of 10,000 groups issues 3.84 million points at once, and as
 * objects they cost more to allocate and collect than to compute (seconds, not a
 * fraction of one). Writers that want rows make them from the columns, once.
 */
export class ForecastBatch {
  readonly groupIds: string[] = [];
  readonly parameters: ForecastParameter[] = [];
  readonly methods: ForecastMethod[] = [];
  /** Whether forecast `i` is the one its group and parameter publish (false: scored only). */
  readonly published: boolean[] = [];
  private columns: [Float64Array, Float64Array, Float64Array];

  constructor(
    readonly issuedAt: number,
    readonly intervalMs: number,
    readonly horizon: number,
    capacity = 16,
  ) {
    const points = Math.max(1, capacity) * horizon;
    this.columns = [new Float64Array(points), new Float64Array(points), new Float64Array(points)];
  }

  get size(): number {
    return this.groupIds.length;
  }

  get p10(): Float64Array {
    return this.columns[0];
  }

  get p50(): Float64Array {
    return this.columns[1];
  }

  get p90(): Float64Array {
    return this.columns[2];
  }

  /** Adds a forecast whose points the caller writes, and returns where they start in the columns. */
  add(groupId: string, parameter: ForecastParameter, method: ForecastMethod, published: boolean): number {
    const at = this.size * this.horizon;
    if (at + this.horizon > this.columns[0].length) {
      this.columns = this.columns.map((column) => {
        const grown = new Float64Array(column.length * 2);
        grown.set(column);
        return grown;
      }) as [Float64Array, Float64Array, Float64Array];
    }
    this.groupIds.push(groupId);
    this.parameters.push(parameter);
    this.methods.push(method);
    this.published.push(published);
    return at;
  }

  /**
   * Every forecast as an {@link IssuedForecast}, the forecasts of `groups` groups at a
   * time: all of a group's forecasts in one slice, in the order they were added, groups
   * in the order they first appear. Why: the rows, JSON and IEC messages of one issue
   * for 10,000 groups at once cost gigabytes; a slice at a time is written and sent,
   * then let go.
   */
  *slices(groups: number): Generator<IssuedForecast[]> {
    const byGroup = new Map<string, number[]>();
    for (let i = 0; i < this.size; i++) {
      const indices = byGroup.get(this.groupIds[i]!);
      if (indices) indices.push(i);
      else byGroup.set(this.groupIds[i]!, [i]);
    }
    let slice: IssuedForecast[] = [];
    let inSlice = 0;
    for (const indices of byGroup.values()) {
      for (const i of indices) slice.push(this.forecast(i));
      if (++inSlice === groups) {
        yield slice;
        slice = [];
        inSlice = 0;
      }
    }
    if (slice.length > 0) yield slice;
  }

  forecast(i: number): IssuedForecast {
    const points: ForecastPoint[] = [];
    for (let j = 0; j < this.horizon; j++) {
      const at = i * this.horizon + j;
      points.push({
        intervalNumber: j + 1,
        start: this.issuedAt + j * this.intervalMs,
        p10: this.p10[at]!,
        p50: this.p50[at]!,
        p90: this.p90[at]!,
      });
    }
    return {
      groupId: this.groupIds[i]!,
      parameter: this.parameters[i]!,
      method: this.methods[i]!,
      issuedAt: this.issuedAt,
      intervalMs: this.intervalMs,
      points,
    };
  }
}
