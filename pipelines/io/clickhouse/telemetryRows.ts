import { TelemetryReading } from '../../telemetryReading';
import { ByteWriter, Column, RowBinaryRows } from './rowBinary';

/** Where a stored reading came from and what became of it. */
export interface StoredReading {
  reading: TelemetryReading;
  disposition: 'valid' | 'late';
  partition: number;
  offset: number;
  /** Its place in the record at that offset: 0 for a single reading, the index in a gateway's batch. */
  index: number;
  receivedAt: number;
}

/** The `telemetry` table's columns (schemas/clickhouse), in the order a row is written. */
export const TELEMETRY_COLUMNS: readonly Column[] = [
  { name: 'device_id', type: 'String' },
  { name: 'ts', type: "DateTime64(3, 'UTC')" },
  { name: 'active_power', type: 'Float64' },
  { name: 'reactive_power', type: 'Nullable(Float64)' },
  { name: 'voltage', type: 'Nullable(Float64)' },
  { name: 'state_of_charge', type: 'Nullable(Float64)' },
  { name: 'max_active_power', type: 'Nullable(Float64)' },
  { name: 'min_active_power', type: 'Nullable(Float64)' },
  { name: 'connected', type: 'Bool' },
  { name: 'disposition', type: 'LowCardinality(String)' },
  { name: 'source_partition', type: 'UInt16' },
  { name: 'source_offset', type: 'Int64' },
  { name: 'source_index', type: 'UInt32' },
  { name: 'received_at', type: "DateTime64(3, 'UTC')" },
];

/** A row is about 90 bytes: a batch of a few dozen readings fits without growing. */
const INITIAL_BYTES = 4096;

/**
 * Raw telemetry rows, written as RowBinary the moment a reading is read. A reading's
 * row then waits for its insert as ~90 bytes outside V8's heap instead of as objects
 * that live long enough to be promoted (and copied again as an insert's row objects):
 * what the memory benchmark's profile found most of its old generation to be.
 *
 * Every value of a validated reading (SEMANTICS.md §1) has its RowBinary form: finite
 * numbers, `ts` a safe integer (DateTime64(3) holds its milliseconds as they are, as
 * an insert as JSON does, whatever the year).
 */
export class TelemetryRows {
  private readonly out = new ByteWriter(INITIAL_BYTES);
  private rows = 0;

  /** Rows of these stored readings, in order. */
  static of(stored: readonly StoredReading[]): TelemetryRows {
    const rows = new TelemetryRows();
    for (const s of stored) rows.add(s.reading, s.disposition, s.partition, s.offset, s.index, s.receivedAt);
    return rows;
  }

  /** The rows of all these, as one insert's (each part's bytes as they are, none copied). */
  static joined(parts: readonly TelemetryRows[]): RowBinaryRows {
    const chunks: Buffer[] = [];
    let count = 0;
    for (const part of parts) {
      if (part.rows === 0) continue;
      chunks.push(part.out.take());
      count += part.rows;
    }
    return { columns: TELEMETRY_COLUMNS, chunks, count };
  }

  get count(): number {
    return this.rows;
  }

  /** Appends one reading's row (arguments rather than an object: no allocation a reading). */
  add(
    reading: TelemetryReading,
    disposition: StoredReading['disposition'],
    partition: number,
    offset: number,
    index: number,
    receivedAt: number,
  ): void {
    const out = this.out;
    out.string(reading.deviceId);
    out.int64(reading.ts);
    out.float64(reading.activePower);
    out.nullableFloat64(reading.reactivePower);
    out.nullableFloat64(reading.voltage);
    out.nullableFloat64(reading.stateOfCharge);
    out.nullableFloat64(reading.maxActivePower);
    out.nullableFloat64(reading.minActivePower);
    out.byte(reading.connected ? 1 : 0);
    out.string(disposition);
    out.uint16(partition);
    out.int64(offset);
    out.uint32(index);
    out.int64(receivedAt);
    this.rows++;
  }
}
