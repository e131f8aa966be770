import { ExactSum, addExact, mergeExact } from './exactSum';

/**
 * Several exact sums, each taking a term in a few nanoseconds, drained into
 * {@link ExactSum}s at the end: for the loop that adds every member of every group at
 * a window's close, where Shewchuk's {@link addExact} (a pass over the sum's partials,
 * with a data-dependent branch for each) was most of the time.
 *
 * Why it is exact: the number line is cut into chunks 32 bits wide, chunk `k` holding
 * multiples of its unit 2^(32k − 1024) in one double. A term's 53 significant bits
 * span at most three chunks; it is split between them by rounding to each chunk's
 * unit (`(x + S) − S`, exact for |x| < 2^51 units), each piece a multiple of its
 * chunk's unit and under 2^33 units. A chunk's double stays exact while below 2^53
 * units, so for 2^19 terms at least; a sum that has taken that many is moved into its
 * {@link ExactSum} and starts again. Terms outside 2^-900 ≤ |x| < 2^901 (where a
 * split's constant would leave the doubles' range) go to the {@link ExactSum} directly.
 * Draining adds the non-zero chunks with {@link addExact}: the value is the exact sum
 * of every term, so rounding it gives what adding them one by one gives.
 */
export class ExactAccumulator {
  private readonly chunks: Float64Array;
  /** By sum: the lowest and highest chunk written since the last drain. */
  private readonly lowest: Int32Array;
  private readonly highest: Int32Array;
  /** By sum: the terms in its chunks, up to MAX_TERMS. */
  private readonly terms: Int32Array;
  /** By sum: terms out of the chunks' range, and what a full sum moved out. */
  private readonly spilled: ExactSum[];

  constructor(sums: number) {
    this.chunks = new Float64Array(sums * CHUNKS);
    this.lowest = new Int32Array(sums).fill(CHUNKS);
    this.highest = new Int32Array(sums).fill(-1);
    this.terms = new Int32Array(sums);
    this.spilled = Array.from({ length: sums }, () => []);
  }

  /** Adds `x` (finite) to sum number `sum`. */
  add(sum: number, x: number): void {
    if (x === 0) return;
    FLOAT[0] = x;
    const exponent = ((WORDS[HIGH_WORD]! >>> 20) & 0x7ff) - 1023;
    if (exponent < MIN_EXPONENT || exponent > MAX_EXPONENT) {
      addExact(this.spilled[sum]!, x);
      return;
    }
    if (this.terms[sum] === MAX_TERMS) this.moveChunks(sum, this.spilled[sum]!);
    this.terms[sum] = this.terms[sum]! + 1;
    const k = (exponent + 1024) >> 5;
    const at = sum * CHUNKS + k;
    const top = x + SPLIT[k]! - SPLIT[k]!;
    const rest = x - top;
    const middle = rest + SPLIT[k - 1]! - SPLIT[k - 1]!;
    const chunks = this.chunks;
    chunks[at] = chunks[at]! + top;
    chunks[at - 1] = chunks[at - 1]! + middle;
    chunks[at - 2] = chunks[at - 2]! + (rest - middle);
    if (k - 2 < this.lowest[sum]!) this.lowest[sum] = k - 2;
    if (k > this.highest[sum]!) this.highest[sum] = k;
  }

  /** Adds sum number `sum` into `target`, and sets the sum back to zero. */
  drainInto(sum: number, target: ExactSum): void {
    this.moveChunks(sum, target);
    const spilled = this.spilled[sum]!;
    if (spilled.length === 0) return;
    mergeExact(target, spilled);
    spilled.length = 0;
  }

  /** Adds the sum's chunks into `into`, and sets them back to zero. */
  private moveChunks(sum: number, into: ExactSum): void {
    const { chunks } = this;
    const base = sum * CHUNKS;
    for (let k = this.lowest[sum]!; k <= this.highest[sum]!; k++) {
      const chunk = chunks[base + k]!;
      if (chunk === 0) continue;
      addExact(into, chunk);
      chunks[base + k] = 0;
    }
    this.lowest[sum] = CHUNKS;
    this.highest[sum] = -1;
    this.terms[sum] = 0;
  }
}

const MIN_EXPONENT = -900;
const MAX_EXPONENT = 900;
/** Chunks 0 ..< CHUNKS cover the units 2^-1024 up: enough for MAX_EXPONENT's chunk. */
const CHUNKS = ((MAX_EXPONENT + 1024) >> 5) + 1;
/** Each term adds under 2^33 units to a chunk, which is exact up to 2^53 units. */
const MAX_TERMS = 2 ** 19;

/** SPLIT[k] = 1.5 × 2^52 units of chunk k: adding and subtracting it rounds to a multiple of the unit. */
const SPLIT = new Float64Array(CHUNKS);
SPLIT[32] = 1.5 * 2 ** 52;
for (let k = 33; k < CHUNKS; k++) SPLIT[k] = SPLIT[k - 1]! * 2 ** 32;
for (let k = 31; k >= 0; k--) SPLIT[k] = SPLIT[k + 1]! / 2 ** 32;

/** A double's bits, to read its exponent without a logarithm. */
const FLOAT = new Float64Array(1);
const WORDS = new Uint32Array(FLOAT.buffer);
FLOAT[0] = 1;
const HIGH_WORD = WORDS[1] === 0x3ff00000 ? 1 : 0;
