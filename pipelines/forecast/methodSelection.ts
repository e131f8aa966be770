import { TypedArena } from './typedArena';

/**
 * Which method publishes for one series: the one with the best recent skill, where
 * skill is 1 − MAE / MAE of persistence over the errors of the last `window` target
 * intervals (all leads, all issues). Every method is scored on the same points (each
 * forecasts wherever persistence does), so the best skill is the smallest MAE. A tie
 * goes to the method listed first, persistence first: a method has to beat the
 * baseline to replace it. With no errors yet, persistence publishes.
 *
 * State: per target interval of the window, each method's sum of absolute errors and
 * count. The sums over the window are recomputed when asked rather than kept running,
 * so that evicting an interval leaves no rounding residue and the choice is the same
 * however long the series has run.
 */
export class MethodSelection {
  private readonly intervalOf: Float64Array;
  private readonly absSum: Float64Array;
  private readonly count: Int32Array;

  constructor(
    private readonly methods: number,
    private readonly window: number,
    arena: TypedArena,
  ) {
    this.intervalOf = arena.float64(window).fill(NaN);
    this.absSum = arena.float64(window * methods);
    this.count = arena.int32(window * methods);
  }

  /** The error of `method`'s forecast for target interval `k`. */
  record(k: number, method: number, error: number): void {
    const slot = k % this.window;
    if (this.intervalOf[slot] !== k) {
      this.intervalOf[slot] = k;
      this.absSum.fill(0, slot * this.methods, (slot + 1) * this.methods);
      this.count.fill(0, slot * this.methods, (slot + 1) * this.methods);
    }
    this.absSum[slot * this.methods + method]! += Math.abs(error);
    this.count[slot * this.methods + method]! += 1;
  }

  /** The method to publish for forecasts issued before interval `k`. */
  best(k: number): number {
    let best = 0;
    let bestMae = Infinity;
    for (let method = 0; method < this.methods; method++) {
      let sum = 0;
      let n = 0;
      for (let slot = 0; slot < this.window; slot++) {
        if (!(this.intervalOf[slot]! >= k - this.window)) continue;
        sum += this.absSum[slot * this.methods + method]!;
        n += this.count[slot * this.methods + method]!;
      }
      if (n > 0 && sum / n < bestMae) {
        best = method;
        bestMae = sum / n;
      }
    }
    return best;
  }
}
