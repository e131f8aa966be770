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
 * Only the fields above, in this order: what is kept of a reading that may carry more
 * (an Avro record of a newer schema version is read and checked in place).
 */
export function canonicalReading(reading: TelemetryReading): TelemetryReading {
  return {
    deviceId: reading.deviceId,
    ts: reading.ts,
    activePower: reading.activePower,
    reactivePower: reading.reactivePower,
    voltage: reading.voltage,
    stateOfCharge: reading.stateOfCharge,
    maxActivePower: reading.maxActivePower,
    minActivePower: reading.minActivePower,
    connected: reading.connected,
  };
}
