/**
 * Records made and encoded before they are sent, kept compact: each record's arrival
 * time, key and readings carried in typed arrays, its encoded value in large slabs. A
 * record costs its value's bytes and 20 more, and nothing on V8's heap but its key, which
 * records of one device or gateway share.
 *
 * Why: the paced simulator shares the machine's two cores with the pipeline, the broker
 * and chDB it measures. Making and encoding a reading as it is due cost it about 3.5 µs
 * of the 7–8 µs a reading it took of its core (benchmarks/RESULTS.md, "The simulator's
 * CPU"); made beforehand, that CPU is spent before the measured run, not during it.
 */
export class PreparedRecords {
  /** Each key as the bytes a Kafka client sends: a string key was converted for every record. */
  private readonly keys: Buffer[] = [];
  private readonly keyIndex = new Map<string, number>();
  private readonly chunks: Chunk[] = [];
  private slab = Buffer.allocUnsafeSlow(0);
  private readonly slabs: Buffer[] = [];
  private slabAt = 0;
  private count = 0;

  /**
   * @param base arrivals are kept as whole milliseconds from this instant, up to 49 days after it
   * @param chunkRecords records per chunk of typed arrays (a power of two)
   * @param slabBytes bytes per slab of values: no value may be larger
   */
  constructor(
    readonly base: number,
    private readonly chunkRecords = 1 << 20,
    private readonly slabBytes = 64 << 20,
  ) {
    if (!Number.isInteger(Math.log2(chunkRecords)))
      throw new Error(`chunkRecords must be a power of two, not ${chunkRecords}`);
  }

  get length(): number {
    return this.count;
  }

  /** Appends a record due at `arrival` (not before `base`), keyed `key`, carrying `readings`; copies `value`. */
  add(arrival: number, key: string, value: Uint8Array, readings: number): void {
    const at = arrival - this.base;
    if (!(at >= 0 && at <= 0xffffffff && Number.isInteger(at)))
      throw new Error(`arrival ${arrival} is not a whole millisecond within 49 days after ${this.base}`);
    if (value.length > this.slabBytes || value.length > 0xffff)
      throw new Error(`a record of ${value.length} bytes is larger than a prepared record may be`);
    if (!(readings >= 0 && readings <= 0xffff))
      throw new Error(`a record cannot carry ${readings} readings here`);
    if (this.slabAt + value.length > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(this.slabBytes);
      this.slabs.push(this.slab);
      this.slabAt = 0;
    }
    this.slab.set(value, this.slabAt);
    let keyAt = this.keyIndex.get(key);
    if (keyAt === undefined) {
      keyAt = this.keys.push(Buffer.from(key)) - 1;
      this.keyIndex.set(key, keyAt);
    }
    const index = this.count & (this.chunkRecords - 1);
    if (index === 0) this.chunks.push(newChunk(this.chunkRecords));
    const chunk = this.chunks[this.chunks.length - 1]!;
    chunk.arrival[index] = at;
    chunk.key[index] = keyAt;
    chunk.readings[index] = readings;
    chunk.slab[index] = this.slabs.length - 1;
    chunk.offset[index] = this.slabAt;
    chunk.size[index] = value.length;
    this.slabAt += value.length;
    this.count++;
  }

  arrivalOf(record: number): number {
    return this.base + this.chunkOf(record).arrival[record & (this.chunkRecords - 1)]!;
  }

  /** The record's key, UTF-8 encoded (shared by every record with that key: do not write to it). */
  keyOf(record: number): Buffer {
    return this.keys[this.chunkOf(record).key[record & (this.chunkRecords - 1)]!]!;
  }

  readingsOf(record: number): number {
    return this.chunkOf(record).readings[record & (this.chunkRecords - 1)]!;
  }

  /** A view of the record's encoded value (valid as long as this object). */
  valueOf(record: number): Buffer {
    const chunk = this.chunkOf(record);
    const index = record & (this.chunkRecords - 1);
    const offset = chunk.offset[index]!;
    return this.slabs[chunk.slab[index]!]!.subarray(offset, offset + chunk.size[index]!);
  }

  private chunkOf(record: number): Chunk {
    if (!(record >= 0 && record < this.count)) throw new RangeError(`no record ${record} of ${this.count}`);
    return this.chunks[Math.floor(record / this.chunkRecords)]!;
  }
}

interface Chunk {
  arrival: Uint32Array;
  key: Uint32Array;
  readings: Uint16Array;
  slab: Uint32Array;
  offset: Uint32Array;
  size: Uint16Array;
}

function newChunk(records: number): Chunk {
  return {
    arrival: new Uint32Array(records),
    key: new Uint32Array(records),
    readings: new Uint16Array(records),
    slab: new Uint32Array(records),
    offset: new Uint32Array(records),
    size: new Uint16Array(records),
  };
}
