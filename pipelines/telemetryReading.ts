/**
 * One reading of one device at one instant, in its canonical JSON form
 * (SEMANTICS.md §1). The Avro record on `der.telemetry` has the same fields
 * (`schemas/avro/TelemetryReading.v*.avsc`).
 */
export interface TelemetryReading {
  deviceId: string;
  /** Event time, epoch ms UTC. */
  ts: number;
  /** W; positive = delivered to the grid, negative = taken. */
  activePower: number;
  reactivePower: number | null;
  voltage: number | null;
  /** %, 0..100; storage only. */
  stateOfCharge: number | null;
  maxActivePower: number | null;
  minActivePower: number | null;
  connected: boolean;
}

/**
 * A reading's nullable fields, all numbers. The changelog's binary records flag them in
 * this order (deviceReadingRecord.ts): changing it changes that format.
 */
export const NULLABLE_FIELDS = [
  'reactivePower',
  'voltage',
  'stateOfCharge',
  'maxActivePower',
  'minActivePower',
] as const satisfies readonly (keyof TelemetryReading)[];

type NullableField = (typeof NULLABLE_FIELDS)[number];

/** A reading's fields with their types, its nullable ones possibly absent (JSON input may leave them out). */
export type ReadingFields = Omit<TelemetryReading, NullableField> &
  Partial<Pick<TelemetryReading, NullableField>>;

/**
 * Only the fields above, in this order, an absent nullable one as null: what is kept of
 * a reading that may carry more (an Avro record of a newer schema version is read and
 * checked in place) or less (JSON input, once its field types are checked).
 */
export function canonicalReading(reading: ReadingFields): TelemetryReading {
  return {
    deviceId: reading.deviceId,
    ts: reading.ts,
    activePower: reading.activePower,
    reactivePower: reading.reactivePower ?? null,
    voltage: reading.voltage ?? null,
    stateOfCharge: reading.stateOfCharge ?? null,
    maxActivePower: reading.maxActivePower ?? null,
    minActivePower: reading.minActivePower ?? null,
    connected: reading.connected,
  };
}
