import * as compactFloat from './compactFloat';
import { TypedArena } from './typedArena';

// Taken out of their module once: imports compile to getters (CommonJS through tsx), a
// cost on the path run for every error kept and every point published or scored.
const { fromCompact, fromOrderKey, orderKey, toCompact } = compactFloat;

/**
 * The lead times at which the bands are estimated: 1, 2, 4, 8, … up to the horizon,
 * and the horizon itself; a lead in between is interpolated linearly from its
 * neighbours.
 *
 * Why not every lead: the bands are per group, parameter and method; each lead keeps a
 * day of errors, and each forecast in flight keeps its band to be scored with. At every
 * lead that is about 440 KB per series, 18 GB for 10,000 groups of 4 parameters; at
 * these eight leads it is 1/12 of that. Errors grow smoothly with the lead, most
 * steeply at the short leads, which is where the grid is dense.
 */
export class LeadGrid {
  /** The representative leads, increasing. */
  readonly leads: readonly number[];
  /** Per lead 1..H: the index of the representative lead at or below it, … */
  private readonly below: Int32Array;
  /** … and how far it is towards the next one (0..1). */
  private readonly towards: Float64Array;
  /** Per lead 1..H: its index in `leads`, or -1. */
  private readonly indexOf: Int32Array;

  constructor(readonly horizon: number) {
    const leads: number[] = [];
    for (let lead = 1; lead < horizon; lead *= 2) leads.push(lead);
    leads.push(horizon);
    this.leads = leads;
    this.below = new Int32Array(horizon + 1);
    this.towards = new Float64Array(horizon + 1);
    this.indexOf = new Int32Array(horizon + 1).fill(-1);
    let i = 0;
    for (let lead = 1; lead <= horizon; lead++) {
      if (leads[i + 1] !== undefined && lead >= leads[i + 1]!) i++;
      this.below[lead] = i;
      const next = leads[i + 1];
      this.towards[lead] = next === undefined ? 0 : (lead - leads[i]!) / (next - leads[i]!);
      if (lead === leads[i]) this.indexOf[lead] = i;
    }
  }

  get size(): number {
    return this.leads.length;
  }

  /** The index of `lead` in `leads`, or -1 when its errors are not kept. */
  representative(lead: number): number {
    return this.indexOf[lead]!;
  }

  /**
   * The value at `lead` of a curve given at the representative leads as `curve[at + i]`,
   * each a {@link toCompact} code.
   */
  interpolate(curve: Uint16Array, at: number, lead: number): number {
    const i = this.below[lead]!;
    const t = this.towards[lead]!;
    const low = fromCompact(curve[at + i]!);
    return t === 0 ? low : low + t * (fromCompact(curve[at + i + 1]!) - low);
  }
}

/** The 10% and 90% quantiles the bands are cut at: the P10–P90 band holds 80% of outcomes. */
const LOWER_QUANTILE = 0.1;
const UPPER_QUANTILE = 0.9;

/**
 * The P10–P90 band of one method for one series, from the empirical distribution of its
 * own recent errors (actual − P50) at each lead time of the {@link LeadGrid}: the last
 * `window` errors per lead, so one per target interval, a day of them by default.
 *
 * The band is written as offsets from the P50 (`snapshot`): the lower one is the 10%
 * quantile of the errors but never above 0, the upper one the 90% quantile but never
 * below 0, so `P10 <= P50 <= P90` whatever the errors. Across leads the band only
 * widens: an uncertainty that shrinks further ahead is an artefact of few errors, never
 * the truth. Before a lead has errors, it takes the band of the lead before it (zero
 * width at the first lead).
 *
 * Quantiles are linear between order statistics (type 7, the default of R and numpy).
 * Errors, and the band's offsets, are kept in 16 bits ({@link toCompact}, within 0.1 %
 * of the value): half the memory of 32-bit floats, and the band of a few hundred errors
 * is not known to 0.1 % anyway.
 *
 * Memory: only the ring of errors is kept, and the two order statistics each quantile
 * needs are selected from a copy when a band is taken (once per issue), not kept
 * sorted at every error: for a fleet of 10,000 groups of 4 parameters, 0.55 GB instead
 * of 2.2 GB for a sorted copy of 32-bit floats beside the ring. The ring is allocated
 * at the first error, so a series never scored (no forecast issued yet) costs nothing
 * here.
 */
export class ErrorBands {
  /**
   * Per representative lead `i`: the last `window` errors in arrival order (a ring), at
   * `ring[ringAt + i * window ..]` once the first one comes …
   */
  private ring: Uint16Array | undefined;
  private ringAt = 0;
  /** … how many there are, at `counters[countersAt + i]`, and where the next one goes in the ring, at `counters[countersAt + size + i]`. */
  private readonly counters: Int32Array;
  private readonly countersAt: number;

  constructor(
    private readonly grid: LeadGrid,
    private readonly window: number,
    private readonly arena: TypedArena,
  ) {
    ({ data: this.counters, at: this.countersAt } = arena.int32(2 * grid.size));
  }

  /**
   * The error of this method's forecast at `lead`, now that its actual is known. NaN,
   * no error known, is left out: in the ring it would stand for a zero error.
   */
  record(lead: number, error: number): void {
    const i = this.grid.representative(lead);
    if (i < 0 || Number.isNaN(error)) return;
    if (!this.ring) ({ data: this.ring, at: this.ringAt } = this.arena.uint16(this.grid.size * this.window));
    const { counters, window } = this;
    const count = this.countersAt + i;
    const next = count + this.grid.size;
    this.ring[this.ringAt + i * window + counters[next]!] = toCompact(error);
    counters[next] = (counters[next]! + 1) % window;
    if (counters[count]! < window) counters[count]!++;
  }

  /**
   * Writes the band per representative lead into `into`, as {@link toCompact} codes: the
   * lower offsets (<= 0, not increasing with lead) at `at ..`, then the upper ones (>= 0,
   * not decreasing). Codes keep the order of values, so they keep both.
   */
  snapshot(into: Uint16Array, at: number): void {
    const size = this.grid.size;
    let lower = 0;
    let upper = 0;
    for (let i = 0; i < size; i++) {
      const n = this.counters[this.countersAt + i]!;
      if (n > 0) {
        const keys = scratchOf(n);
        const ring = this.ring!;
        const from = this.ringAt + i * this.window;
        for (let j = 0; j < n; j++) keys[j] = orderKey(ring[from + j]!);
        lower = Math.min(lower, quantile(keys, n, LOWER_QUANTILE));
        upper = Math.max(upper, quantile(keys, n, UPPER_QUANTILE));
      }
      into[at + i] = toCompact(lower);
      into[at + size + i] = toCompact(upper);
    }
  }
}

/** One scratch array for every series: bands are taken one at a time. */
let scratch = new Int32Array(0);

function scratchOf(n: number): Int32Array {
  if (scratch.length < n) scratch = new Int32Array(n);
  return scratch;
}

/**
 * The `q` quantile (type 7) of the errors whose {@link orderKey}s are `keys[0 ..< n]`,
 * which it reorders: the order statistics at `floor(q (n − 1))` and the one after it,
 * selected by key and only those two decoded.
 */
function quantile(keys: Int32Array, n: number, q: number): number {
  const position = q * (n - 1);
  const below = Math.floor(position);
  const low = fromCompact(fromOrderKey(select(keys, 0, n - 1, below)));
  if (below + 1 >= n) return low;
  // Selection leaves everything after `below` at or above it: the next statistic is their least.
  let least = keys[below + 1]!;
  for (let j = below + 2; j < n; j++) if (keys[j]! < least) least = keys[j]!;
  const high = fromCompact(fromOrderKey(least));
  return low + (position - below) * (high - low);
}

/** The `k`-th smallest of `values[left ..= right]` (Hoare's selection); reorders them around it. */
function select(values: Int32Array, left: number, right: number, k: number): number {
  while (right > left) {
    const pivot = values[(left + right) >>> 1]!;
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return values[k]!;
  }
  return values[k]!;
}
