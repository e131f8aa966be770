import { TelemetryReading } from '../../pipelines/telemetryReading';

/** A valid reading with every optional field null and `connected` true, unless given. */
export const reading = (
  deviceId: string,
  ts: number,
  fields: Partial<TelemetryReading> = {},
): TelemetryReading => ({
  deviceId,
  ts,
  activePower: 0,
  reactivePower: null,
  voltage: null,
  stateOfCharge: null,
  maxActivePower: null,
  minActivePower: null,
  connected: true,
  ...fields,
});

/**
 * Each device's last reading before `windowEnd` (SEMANTICS.md §4: the largest ts below
 * the end; of equal ts, the one given last), as the reference tests compute it.
 */
export function lastReadingsBefore(
  given: readonly TelemetryReading[],
  windowEnd: number,
): Map<string, TelemetryReading> {
  const last = new Map<string, TelemetryReading>();
  for (const r of given) {
    if (r.ts >= windowEnd) continue;
    const current = last.get(r.deviceId);
    if (!current || r.ts >= current.ts) last.set(r.deviceId, r);
  }
  return last;
}
