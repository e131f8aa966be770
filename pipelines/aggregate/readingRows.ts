import { TelemetryReading } from '../telemetryReading';

/** Offsets of the fields within a row of {@link ReadingRows}; `CONNECTED` is 1 or 0. */
export const ROW = {
  TS: 0,
  ACTIVE_POWER: 1,
  REACTIVE_POWER: 2,
  VOLTAGE: 3,
  STATE_OF_CHARGE: 4,
  MAX_ACTIVE_POWER: 5,
  MIN_ACTIVE_POWER: 6,
  CONNECTED: 7,
} as const;
const {
  TS,
  ACTIVE_POWER,
  REACTIVE_POWER,
  VOLTAGE,
  STATE_OF_CHARGE,
  MAX_ACTIVE_POWER,
  MIN_ACTIVE_POWER,
  CONNECTED,
} = ROW;
const STRIDE = 8;

/**
 * Readings stored as rows of eight doubles in one typed array: `ts`, the six numeric
 * fields with NaN for null (valid readings have finite numbers only, SEMANTICS.md §1),
 * and `connected` as 1 or 0. A row whose `ts` is NaN holds no reading; a row neither
 * `set` nor `clear`ed holds zeros, so the owner marks rows before reading them.
 *
 * Rows are left untouched until used, on creating and on growing: the pages of a
 * typed array's fresh memory are not resident until written, and capacities grow by
 * doubling, so up to half of one is room a fleet never fills.
 *
 * Why: the partial stage keeps the last readings of every device of a fleet, a million
 * of them. As objects that is a reading, its strings and the maps around it per device,
 * over a kilobyte, and a window close walks them all through the heap; as rows it is 64
 * bytes a reading, one cache line, with nothing for the garbage collector to trace.
 */
export class ReadingRows {
  /** Doubles in a row. */
  static readonly STRIDE = STRIDE;
  data: Float64Array;

  constructor(capacity: number) {
    this.data = new Float64Array(capacity * STRIDE);
  }

  /** Where row `row` starts in `data`. */
  static at(row: number): number {
    return row * STRIDE;
  }

  get capacity(): number {
    return this.data.length / STRIDE;
  }

  /** Room for `capacity` rows, the rows so far kept. */
  grow(capacity: number): void {
    const data = new Float64Array(capacity * STRIDE);
    data.set(this.data);
    this.data = data;
  }

  /** Marks row `row` as holding no reading. */
  clear(row: number): void {
    this.data[row * STRIDE + TS] = NaN;
  }

  ts(row: number): number {
    return this.data[row * STRIDE + TS]!;
  }

  set(row: number, reading: TelemetryReading): void {
    const data = this.data;
    const at = row * STRIDE;
    data[at + TS] = reading.ts;
    data[at + ACTIVE_POWER] = reading.activePower;
    data[at + REACTIVE_POWER] = reading.reactivePower ?? NaN;
    data[at + VOLTAGE] = reading.voltage ?? NaN;
    data[at + STATE_OF_CHARGE] = reading.stateOfCharge ?? NaN;
    data[at + MAX_ACTIVE_POWER] = reading.maxActivePower ?? NaN;
    data[at + MIN_ACTIVE_POWER] = reading.minActivePower ?? NaN;
    data[at + CONNECTED] = reading.connected ? 1 : 0;
  }

  /** Row `row` of `from` into row `to` of this. */
  copyRow(from: ReadingRows, row: number, to: number): void {
    const source = from.data;
    const target = this.data;
    for (let i = 0; i < STRIDE; i++) target[to * STRIDE + i] = source[row * STRIDE + i]!;
  }
}
