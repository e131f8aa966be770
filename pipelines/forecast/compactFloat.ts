/**
 * A number in 16 bits: a sign, a 6-bit exponent and a 9-bit fraction, for the
 * forecaster's band errors and bands (`errorBands.ts`, `pendingForecasts.ts`).
 *
 * Why: those are most of a series' memory once it issues (3 days of errors at 8 leads
 * for 3 methods, and the band of each forecast in flight), and 32-bit floats made them
 * about 1.8 GB for 10,000 groups of 4 parameters. What they feed is a P10–P90 band cut
 * from a few hundred errors, whose sampling error is percents; a number here is within
 * 2^-10 (0.1 %) of what it stands for (from 1.2e-7 up; below, within 1.2e-10). Unlike
 * an integer with a scale per series, the code of a number depends on that number
 * alone, so the same errors give the same band whatever came before them (a restarted
 * pipeline rebuilds from fewer).
 *
 * Layout, bit 15 to 0: sign, exponent `e`, fraction `f`. With `e` > 0 the value is
 * (1 + f / 512) × 2^(e − 24); with `e` = 0 it is f / 512 × 2^-23 (so down to 2.3e-10,
 * then zero). The largest is about 1.1e12, which any larger value (and ±Infinity)
 * becomes; the order of codes of one sign is the order of their values.
 */

const FRACTION_BITS = 9;
const FRACTION = 1 << FRACTION_BITS;
const MAX_EXPONENT = 63;
const BIAS = 24;
const SIGN = 0x8000;
const LARGEST = (FRACTION - 1) | (MAX_EXPONENT << FRACTION_BITS);

/** By exponent: the implicit leading one of the fraction (none below 2^-23), and the scale of a fraction unit. */
const LEADING = new Float64Array(MAX_EXPONENT + 1);
const UNIT = new Float64Array(MAX_EXPONENT + 1);
for (let exponent = 0; exponent <= MAX_EXPONENT; exponent++) {
  LEADING[exponent] = exponent === 0 ? 0 : FRACTION;
  UNIT[exponent] = 2 ** (Math.max(1, exponent) - BIAS - FRACTION_BITS);
}

/** The value of a code. */
export function fromCompact(code: number): number {
  const exponent = (code >>> FRACTION_BITS) & MAX_EXPONENT;
  const magnitude = (LEADING[exponent]! + (code & (FRACTION - 1))) * UNIT[exponent]!;
  return code & SIGN ? -magnitude : magnitude;
}

/**
 * A code as an integer in the order of the values (negative below zero): the order
 * statistics of codes can be selected on these, and only the ones needed decoded.
 */
export function orderKey(code: number): number {
  return code & SIGN ? -(code & ~SIGN) : code;
}

/** The code of an {@link orderKey}. */
export function fromOrderKey(key: number): number {
  return key < 0 ? SIGN | -key : key;
}

// A float64's bits, read through a shared buffer: the exponent and the leading
// fraction bits without logarithms. Which word is high depends on the byte order.
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/** The code of the nearest value (halves away from zero); NaN is not a number it holds: 0. */
export function toCompact(value: number): number {
  bits[0] = value;
  const high = words[HIGH]!;
  const sign = high >>> 31 ? SIGN : 0;
  const biased = (high >>> 20) & 0x7ff;
  if (biased === 0x7ff) return Number.isNaN(value) ? 0 : sign | LARGEST;
  const exponent = biased - 1023 + BIAS;
  if (exponent > MAX_EXPONENT) return sign | LARGEST;
  if (exponent < 1) {
    // Below 2^-23 the steps are even: a multiple of the unit, rounded.
    const fraction = Math.round(Math.abs(value) / UNIT[0]!);
    return fraction === 0 ? 0 : sign | fraction;
  }
  // The fraction's top 9 of 52 bits, plus the next one: rounding up on a half. A carry
  // out of the fraction moves to the next exponent, as it should.
  const fraction = ((high & 0xfffff) >>> 11) + ((high >>> 10) & 1);
  return sign | Math.min((exponent << FRACTION_BITS) + fraction, LARGEST);
}
