/**
 * Exact floating-point summation (Shewchuk's algorithm, as in Python's `math.fsum`).
 *
 * Why: a group's sums are built from partial sums of several source partitions and
 * merged in whatever order they arrive. Plain `+` would make the last bits of a status
 * depend on partitioning and arrival order, so a live run, a replay and a run that
 * crashed could disagree. An exact sum, rounded once at the end, is the same for any
 * order and any split.
 *
 * The state is a short list of non-overlapping doubles whose exact sum is the total;
 * it serialises as a plain array, so partial aggregates can travel through Kafka.
 */
export type ExactSum = number[];

/** Adds `x` to `partials` in place. */
export function addExact(partials: ExactSum, x: number): void {
  const n = partials.length;
  let i = 0;
  for (let j = 0; j < n; j++) {
    let y = partials[j]!;
    if (Math.abs(x) < Math.abs(y)) {
      const t = x;
      x = y;
      y = t;
    }
    const hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) partials[i++] = lo;
    x = hi;
  }
  // The list mostly keeps its length: setting it is slow, so only when it shrinks.
  if (i === n) partials.push(x);
  else {
    partials[i] = x;
    if (i + 1 < n) partials.length = i + 1;
  }
}

/** Adds every term of `other` (another exact sum) to `partials` in place. */
export function mergeExact(partials: ExactSum, other: ExactSum): void {
  for (const x of other) addExact(partials, x);
}

/** The exact sum rounded to the nearest double (ties to even), as `math.fsum` does. */
export function roundExact(partials: ExactSum): number {
  let n = partials.length;
  if (n === 0) return 0;
  let hi = partials[--n]!;
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = partials[--n]!;
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  // Correct the double rounding when the rest of the partials push past a half-way point.
  if (n > 0 && ((lo < 0 && partials[n - 1]! < 0) || (lo > 0 && partials[n - 1]! > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi === 0 ? 0 : hi;
}
