import { phaseOf } from './forecaster';
import { TypedArena } from './typedArena';

// What every series holds until it first issues: arrays of its own, even empty, are
// about 100 bytes of heap each (see typedArena.ts).
const NO_FLOAT64 = new Float64Array(0);
const NO_UINT16 = new Uint16Array(0);

/**
 * The forecasts of one series (group and parameter) that still have an interval to be
 * scored: those issued within the last horizon. Each is kept as what fixes it, not as
 * its points: per method, the numbers its forecaster froze at issue time, and its band
 * at the representative leads. Its points are recomputed from these when each actual
 * becomes known, by the same code that computed them when it was issued, so the scored
 * P10/P50/P90 are the published ones to the bit.
 *
 * Why: every method is scored at every lead, and a new forecast is issued every
 * interval for a day ahead, so a day of forecasts is in flight at any time. As points,
 * that is 96 issues × 96 leads × 3 values per method and series, about 660 KB, 26 GB
 * for 10,000 groups of 4 parameters; as frozen numbers and 16-bit bands it is about
 * 12 KB per series.
 *
 * It is exact because what a method reads besides its frozen numbers, its memory of
 * the target interval's time of day, was last written one season before the target
 * (before the issue, as horizons are at most one season) and is next written at the
 * target itself, after it has been scored.
 *
 * A ring with one place per issue time within the horizon; an issue overwrites the
 * forecast of the one a horizon earlier, which has nothing left to score. The storage
 * grows as places are first taken, one slot each: a series forecast for an hour holds
 * four slots, not a day's worth (at 10,000 groups the full rings are about 0.5 GB).
 */
export class PendingForecasts {
  /** Per slot: the first target interval of the forecast in it (NaN: none). */
  private firstK: Float64Array;
  /** Per place in the ring (issue time modulo the capacity), at `slotOfPlace[placesAt + place]`: its slot, -1 until first taken. */
  private readonly slotOfPlace: Int32Array;
  private readonly placesAt: number;
  frozen: Float64Array;
  /** Per slot, the bands of its methods as `ErrorBands.snapshot` writes them (16-bit codes). */
  bands: Uint16Array;
  private readonly capacity: number;
  private slots = 0;

  /**
   * @param horizon intervals per forecast
   * @param stride intervals between issue times
   * @param frozenSize numbers per forecast frozen by all methods together
   * @param bandSize band numbers per forecast, all methods together
   * @param arena where the fixed arrays are carved from
   */
  constructor(
    private readonly horizon: number,
    private readonly stride: number,
    private readonly frozenSize: number,
    private readonly bandSize: number,
    arena: TypedArena,
  ) {
    this.capacity = Math.ceil(horizon / stride);
    ({ data: this.slotOfPlace, at: this.placesAt } = arena.int32(this.capacity, -1));
    this.firstK = NO_FLOAT64;
    this.frozen = NO_FLOAT64;
    this.bands = NO_UINT16;
  }

  /**
   * Takes the slot for a forecast starting at interval `k` (an issue time), and returns
   * it. `frozen` and `bands` may be new arrays afterwards.
   */
  claim(k: number): number {
    const place = this.placesAt + phaseOf(k / this.stride, this.capacity);
    let slot = this.slotOfPlace[place]!;
    if (slot < 0) {
      slot = this.slots++;
      this.slotOfPlace[place] = slot;
      if (slot === this.firstK.length) this.grow(Math.min(this.capacity, Math.max(1, 2 * slot)));
    }
    this.firstK[slot] = k;
    return slot;
  }

  /**
   * The slots of the forecasts whose horizon holds interval `k`, oldest first, into
   * `out`; returns how many. Each is at lead `k − firstK(slot) + 1`.
   */
  covering(k: number, out: Int32Array): number {
    let n = 0;
    const first = Math.ceil((k - this.horizon + 1) / this.stride) * this.stride;
    for (let start = first; start <= k; start += this.stride) {
      const slot = this.slotOfPlace[this.placesAt + phaseOf(start / this.stride, this.capacity)]!;
      if (slot >= 0 && this.firstK[slot] === start) out[n++] = slot;
    }
    return n;
  }

  firstOf(slot: number): number {
    return this.firstK[slot]!;
  }

  get maxCovering(): number {
    return this.capacity;
  }

  private grow(slots: number): void {
    const firstK = new Float64Array(slots).fill(NaN);
    firstK.set(this.firstK);
    this.firstK = firstK;
    const frozen = new Float64Array(slots * this.frozenSize);
    frozen.set(this.frozen);
    this.frozen = frozen;
    const bands = new Uint16Array(slots * this.bandSize);
    bands.set(this.bands);
    this.bands = bands;
  }
}
