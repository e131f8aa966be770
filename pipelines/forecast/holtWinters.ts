import { Forecaster, phaseOf } from './forecaster';
import { TypedArena } from './typedArena';

/** Smoothing constants of {@link HoltWinters}, per interval, each in 0..1. */
export interface HoltWintersParameters {
  /** Level: how fast a shift of the whole series is taken in. */
  alpha: number;
  /** Seasonal: how much of its new deviation each time of day learns, once a day. */
  gamma: number;
}

/**
 * Chosen on synthetic days (a noisy sine, a step, PV-like days of varying sun): a
 * level slow enough not to chase noise, fast enough to take a step in within a couple
 * of hours.
 */
export const DEFAULT_HOLT_WINTERS: HoltWintersParameters = { alpha: 0.2, gamma: 0.1 };

/**
 * Additive Holt-Winters with a daily season and no trend (exponential smoothing
 * ETS(A,N,A)), updated online:
 *
 * ```
 * level    L = α (y − S[p]) + (1 − α) L
 * season   S[p] = γ (y − L) + (1 − γ) S[p]
 * forecast ŷ(k) = L + S[time of day of k]
 * ```
 *
 * where `p` is the time of day of the interval. No trend term: on the same synthetic
 * days a damped trend only ever added error (a step or a cloud reads as a slope, and
 * a slope run on over a day-long horizon is worse than none). A gap is skipped: the
 * level stays as it was, as if the interval had been forecast and not observed; it
 * never reads as zero. State: the level and one index per time of day, O(season length).
 *
 * Start: the first season of values is kept as it comes; at the first value one season
 * after the first, the level starts as their mean and each time of day's index as its
 * value minus that mean (0 where that time of day had no value). Until then forecasts
 * are those of persistence.
 *
 * Membership changes: a group that gains or loses members moves as a whole, a level
 * shift; the level term takes it in (a fraction α per interval, nine tenths within ten
 * intervals), and the seasonal indices, which keep the old members' shape, adjust by γ
 * a day. Meanwhile persistence, which follows a shift at once, is what is published if
 * it scores better (see `methodSelection.ts`).
 */
export class HoltWinters implements Forecaster {
  readonly frozenSize = 2;
  /**
   * Seasonal indices by time of day, at `seasonal[seasonalAt + phase]`; before the
   * start, the first season's raw values (NaN: none).
   */
  private readonly seasonal: Float64Array;
  private readonly seasonalAt: number;
  private level = NaN;
  private last = NaN;
  private firstK = NaN;

  constructor(
    private readonly seasonLength: number,
    arena: TypedArena,
    private readonly parameters: HoltWintersParameters = DEFAULT_HOLT_WINTERS,
  ) {
    ({ data: this.seasonal, at: this.seasonalAt } = arena.float64(seasonLength, NaN));
  }

  update(k: number, y: number): void {
    if (Number.isNaN(y)) return;
    const at = this.seasonalAt + phaseOf(k, this.seasonLength);
    if (Number.isNaN(this.level)) {
      if (Number.isNaN(this.firstK)) this.firstK = k;
      if (k - this.firstK < this.seasonLength) {
        this.seasonal[at] = y;
        this.last = y;
        return;
      }
      this.start();
    }
    const { alpha, gamma } = this.parameters;
    const index = this.seasonal[at]!;
    this.level = alpha * (y - index) + (1 - alpha) * this.level;
    this.seasonal[at] = gamma * (y - this.level) + (1 - gamma) * index;
    this.last = y;
  }

  /** Frozen as the level (NaN before the start) and the last value. */
  freeze(into: Float64Array, at: number): void {
    into[at] = this.level;
    into[at + 1] = this.last;
  }

  pointAt(frozen: Float64Array, at: number, k: number): number {
    const level = frozen[at]!;
    if (Number.isNaN(level)) return frozen[at + 1]!;
    return level + this.seasonal[this.seasonalAt + phaseOf(k, this.seasonLength)]!;
  }

  private start(): void {
    const { seasonal, seasonalAt } = this;
    const end = seasonalAt + this.seasonLength;
    let sum = 0;
    let n = 0;
    for (let at = seasonalAt; at < end; at++) {
      const value = seasonal[at]!;
      if (Number.isNaN(value)) continue;
      sum += value;
      n++;
    }
    this.level = sum / n;
    for (let at = seasonalAt; at < end; at++) {
      const value = seasonal[at]!;
      seasonal[at] = Number.isNaN(value) ? 0 : value - this.level;
    }
  }
}
