import { TypedArena } from './typedArena';

/**
 * Which method publishes for one series: the one with the best recent skill, where
 * skill is 1 − MAE / MAE of persistence and the MAE is over every lead and issue, each
 * error weighted by the age of its target interval, halving every `halfLife`
 * intervals. Every method is scored on the same points (each forecasts wherever
 * persistence does), so the best skill is the smallest weighted MAE. A tie goes to the
 * method listed first, persistence first: a method has to beat the baseline to replace
 * it. With no errors yet, persistence publishes.
 *
 * Exponential weights rather than a window: the state is two numbers per method, and
 * on synthetic series (a noisy sine, a random walk, PV-like days, a change of
 * membership) they chose as well as or better than a window of the same length.
 *
 * A change of membership shows here: forecasts issued before it keep being scored for
 * a horizon after it, so a method that has already adapted (the seasonal naive, a day
 * after a change of scale) takes a while to show it; meanwhile persistence, which
 * adapts at once, usually publishes.
 */
export class MethodSelection {
  /** Per method `m`, the weighted sum of absolute errors at `sums[at + m]` and their weight at `sums[at + methods + m]`. */
  private readonly sums: Float64Array;
  private readonly at: number;
  private readonly decay: number;
  private lastK = NaN;

  constructor(
    private readonly methods: number,
    halfLife: number,
    arena: TypedArena,
  ) {
    ({ data: this.sums, at: this.at } = arena.float64(2 * methods));
    this.decay = 0.5 ** (1 / halfLife);
  }

  /** The error of `method`'s forecast for target interval `k` (fed in increasing `k`). */
  record(k: number, method: number, error: number): void {
    const { sums, at, methods } = this;
    if (k !== this.lastK) {
      if (!Number.isNaN(this.lastK)) {
        const factor = this.decay ** (k - this.lastK);
        for (let i = at; i < at + 2 * methods; i++) sums[i]! *= factor;
      }
      this.lastK = k;
    }
    sums[at + method]! += Math.abs(error);
    sums[at + methods + method]! += 1;
  }

  /** The index of the method to publish. */
  best(): number {
    let best = 0;
    let bestMae = Infinity;
    const { sums, at, methods } = this;
    for (let method = 0; method < methods; method++) {
      const weight = sums[at + methods + method]!;
      if (weight === 0) continue;
      const mae = sums[at + method]! / weight;
      if (mae < bestMae) {
        best = method;
        bestMae = mae;
      }
    }
    return best;
  }
}
