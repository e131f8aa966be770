import { Forecaster, phaseOf } from './forecaster';
import { TypedArena } from './typedArena';

/**
 * Seasonal naive: an interval will be like the same time one day earlier. Where that
 * interval was a gap, the same time on the latest day that has a value stands in for it
 * (a gap is skipped, not a zero); where no day has one yet, the last value does
 * (persistence), so the method forecasts from its first value on.
 *
 * State: one value per time of day, O(season length).
 */
export class SeasonalNaive implements Forecaster {
  readonly frozenSize = 1;
  /** The value by time of day, at `byPhase[phaseAt + phase]` (NaN: none). */
  private readonly byPhase: Float64Array;
  private readonly phaseAt: number;
  private last = NaN;

  constructor(
    private readonly seasonLength: number,
    arena: TypedArena,
  ) {
    ({ data: this.byPhase, at: this.phaseAt } = arena.float64(seasonLength, NaN));
  }

  update(k: number, y: number): void {
    if (Number.isNaN(y)) return;
    this.byPhase[this.phaseAt + phaseOf(k, this.seasonLength)] = y;
    this.last = y;
  }

  freeze(into: Float64Array, at: number): void {
    into[at] = this.last;
  }

  pointAt(frozen: Float64Array, at: number, k: number): number {
    const seasonal = this.byPhase[this.phaseAt + phaseOf(k, this.seasonLength)]!;
    return Number.isNaN(seasonal) ? frozen[at]! : seasonal;
  }
}
