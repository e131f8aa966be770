/** A column to fill: its name and ClickHouse type as `system.columns` gives them. */
export interface Column {
  name: string;
  type: string;
}

/** Rows already in RowBinary, to insert as they are: each row the columns' values in the columns' order. */
export interface RowBinaryRows {
  readonly columns: readonly Column[];
  /** The rows' bytes, in order; no row spans two chunks. */
  readonly chunks: readonly Buffer[];
  readonly count: number;
}

/** Writes one value in RowBinary; false when the value is not one the type takes as it is. */
type ValueWriter = (out: ByteWriter, value: unknown) => boolean;

const MS_1900 = -2_208_988_800_000;
/** DateTime64's last millisecond, 2299-12-31 23:59:59.999. */
const MS_LAST = 10_413_791_999_999;
const TWO_32 = 4_294_967_296;

/**
 * RowBinary, ClickHouse's row format without text: numbers as their little-endian
 * bytes, strings length-prefixed. Making it costs a fraction of formatting the same
 * numbers as JSON, and ClickHouse reads it without parsing.
 *
 * Only values that ClickHouse would store unchanged from JSON are written: finite
 * numbers, integers in their type's range, DateTime64(3) as integer milliseconds in its
 * range (1900–2299), strings, booleans, null for Nullable, arrays of these (a Nested
 * column's parts are arrays). Anything else (NaN, a date
 * as text, a missing value) makes `encodeRowBinary` give up, so the caller can insert
 * those rows as JSON and let ClickHouse convert or refuse them as it always has.
 */
export function rowBinaryWriter(type: string): ValueWriter | undefined {
  const wrapped = /^(Nullable|LowCardinality)\((.*)\)$/.exec(type);
  if (wrapped) {
    const inner = rowBinaryWriter(wrapped[2]!);
    if (!inner || wrapped[1] === 'LowCardinality') return inner;
    return (out, value) => {
      if (value === null || value === undefined) {
        out.byte(1);
        return true;
      }
      out.byte(0);
      return inner(out, value);
    };
  }
  const array = /^Array\((.*)\)$/.exec(type);
  if (array) {
    const element = rowBinaryWriter(array[1]!);
    if (!element) return undefined;
    return (out, value) => {
      if (!Array.isArray(value)) return false;
      out.varUInt(value.length);
      for (const item of value) if (!element(out, item)) return false;
      return true;
    };
  }
  if (/^DateTime64\(3(, '[^']*')?\)$/.test(type)) return int64Writer(MS_1900, MS_LAST);
  return SCALAR_WRITERS.get(type);
}

const SCALAR_WRITERS = new Map<string, ValueWriter>(
  Object.entries({
    String: (out, value) => {
      if (typeof value !== 'string') return false;
      out.string(value);
      return true;
    },
    Bool: (out, value) => {
      if (typeof value !== 'boolean') return false;
      out.byte(value ? 1 : 0);
      return true;
    },
    Float64: (out, value) => {
      if (!finite(value)) return false;
      out.float64(value);
      return true;
    },
    Float32: (out, value) => {
      if (!finite(value)) return false;
      const at = out.claim(4); // before reading `view`: claiming may grow the buffer
      out.view.setFloat32(at, value + 0, true); // -0 as 0, as JSON has it
      return true;
    },
    UInt8: intWriter(0, 0xff, 1, (view, at, value) => view.setUint8(at, value)),
    UInt16: intWriter(0, 0xffff, 2, (view, at, value) => view.setUint16(at, value, true)),
    UInt32: intWriter(0, 0xffff_ffff, 4, (view, at, value) => view.setUint32(at, value, true)),
    Int8: intWriter(-0x80, 0x7f, 1, (view, at, value) => view.setInt8(at, value)),
    Int16: intWriter(-0x8000, 0x7fff, 2, (view, at, value) => view.setInt16(at, value, true)),
    Int32: intWriter(-0x8000_0000, 0x7fff_ffff, 4, (view, at, value) => view.setInt32(at, value, true)),
    Int64: int64Writer(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    UInt64: int64Writer(0, Number.MAX_SAFE_INTEGER),
  } satisfies Record<string, ValueWriter>),
);

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function integerIn(value: unknown, min: number, max: number): value is number {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
}

function intWriter(
  min: number,
  max: number,
  bytes: number,
  set: (view: DataView, at: number, value: number) => void,
): ValueWriter {
  return (out, value) => {
    if (!integerIn(value, min, max)) return false;
    const at = out.claim(bytes);
    set(out.view, at, value);
    return true;
  };
}

/** 64-bit integers from JavaScript numbers (exact up to 2^53), as two 32-bit halves. */
function int64Writer(min: number, max: number): ValueWriter {
  return (out, value) => {
    if (!integerIn(value, min, max)) return false;
    out.int64(value);
    return true;
  };
}

/** A growing buffer written front to back. */
export class ByteWriter {
  buffer: Buffer;
  view: DataView;
  length = 0;

  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(capacity);
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
  }

  ensure(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
  }

  /** Makes room for `bytes` and claims them; returns where they start. */
  claim(bytes: number): number {
    this.ensure(bytes);
    const at = this.length;
    this.length += bytes;
    return at;
  }

  byte(value: number): void {
    this.ensure(1);
    this.buffer[this.length++] = value;
  }

  /** A finite number as Float64; -0 as 0, as JSON has it. */
  float64(value: number): void {
    const at = this.claim(8);
    this.view.setFloat64(at, value + 0, true);
  }

  /** A finite number or null as Nullable(Float64). */
  nullableFloat64(value: number | null): void {
    if (value === null) {
      this.byte(1);
      return;
    }
    const at = this.claim(9);
    this.buffer[at] = 0;
    this.view.setFloat64(at + 1, value + 0, true);
  }

  /** A safe integer as Int64 (DateTime64(3) is one: milliseconds), as two 32-bit halves. */
  int64(value: number): void {
    const high = Math.floor(value / TWO_32);
    const at = this.claim(8);
    this.view.setUint32(at, value - high * TWO_32, true);
    this.view.setInt32(at + 4, high, true);
  }

  uint16(value: number): void {
    const at = this.claim(2);
    this.view.setUint16(at, value, true);
  }

  uint32(value: number): void {
    const at = this.claim(4);
    this.view.setUint32(at, value, true);
  }

  /** UTF-8 with its length as a LEB128 varint in front. */
  string(value: string): void {
    // At most 3 bytes a UTF-16 unit: up to 42 units the length fits the one byte
    // reserved before the text, so the common short string is written without measuring it.
    if (value.length <= 42) {
      this.ensure(1 + value.length * 3);
      if (this.ascii(value)) return;
      const written = this.buffer.write(value, this.length + 1, 'utf8');
      this.buffer[this.length] = written;
      this.length += 1 + written;
      return;
    }
    const size = Buffer.byteLength(value, 'utf8');
    this.ensure(5 + size);
    this.varUInt(size);
    this.length += this.buffer.write(value, this.length, 'utf8');
  }

  /** A length (of a string's bytes, of an array) as a LEB128 varint. */
  varUInt(value: number): void {
    this.ensure(5);
    for (; value >= 0x80; value >>>= 7) this.buffer[this.length++] = (value & 0x7f) | 0x80;
    this.buffer[this.length++] = value;
  }

  /**
   * A short string of ASCII only (device and group ids), byte by byte: cheaper than
   * a call into Buffer's encoder for a dozen characters. False, having written nothing
   * that counts, at the first other character.
   */
  private ascii(value: string): boolean {
    const buffer = this.buffer;
    const at = this.length + 1;
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i);
      if (code >= 0x80) return false;
      buffer[at + i] = code;
    }
    buffer[this.length] = value.length;
    this.length = at + value.length;
    return true;
  }

  take(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

/**
 * Rows as RowBinary, the columns' values in the columns' order, in buffers of about
 * `maxBytes` each (a row is never split); undefined when a value does not fit its
 * column's type as it is or a type is not one RowBinary is written for here.
 */
export function encodeRowBinary(
  rows: readonly object[],
  columns: readonly Column[],
  maxBytes: number,
): Buffer[] | undefined {
  const writers: ValueWriter[] = [];
  for (const column of columns) {
    const writer = rowBinaryWriter(column.type);
    if (!writer) return undefined;
    writers.push(writer);
  }
  const names = columns.map((column) => column.name);
  const buffers: Buffer[] = [];
  const sized = (rowsLeft: number) => new ByteWriter(Math.min(maxBytes, Math.max(4096, rowsLeft * 64)));
  let out = sized(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const values = rows[r] as Record<string, unknown>;
    for (let i = 0; i < writers.length; i++) if (!writers[i]!(out, values[names[i]!])) return undefined;
    if (out.length >= maxBytes) {
      buffers.push(out.take());
      out = sized(rows.length - r - 1);
    }
  }
  if (out.length > 0) buffers.push(out.take());
  return buffers;
}
