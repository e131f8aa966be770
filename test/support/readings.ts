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
