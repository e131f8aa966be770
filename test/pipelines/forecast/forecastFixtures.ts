import { GroupStatus } from '../../../pipelines/aggregate/groupStatus';
import { Forecaster } from '../../../pipelines/forecast/forecaster';

/** Synthetic series and statuses for the forecast tests: 96 intervals of 15 minutes a day. */
export const DAY = 96;
export const INTERVAL_MS = 900_000;

/** A daily sine around 1000 with amplitude 500. */
export const sine = (k: number): number => 1000 + 500 * Math.sin((2 * Math.PI * k) / DAY);

/** The P50 points a forecaster gives for `horizon` intervals from `from`, as issued now. */
export function forecastOf(forecaster: Forecaster, from: number, horizon: number): number[] {
  const frozen = new Float64Array(forecaster.frozenSize);
  forecaster.freeze(frozen, 0);
  return Array.from({ length: horizon }, (_, i) => forecaster.pointAt(frozen, 0, from + i));
}

export function meanAbsoluteError(actual: number[], forecast: number[]): number {
  return actual.reduce((sum, y, i) => sum + Math.abs(y - forecast[i]!), 0) / actual.length;
}

/** A group status with every optional field null, unless given. */
export function statusOf(
  groupId: string,
  windowStart: number,
  fields: Partial<GroupStatus> = {},
  windowMs = 60_000,
): GroupStatus {
  return {
    groupId,
    windowStart,
    windowEnd: windowStart + windowMs,
    version: 1,
    members: 1,
    reporting: 1,
    fresh: 1,
    stale: 0,
    silent: 0,
    connected: 1,
    activePower: 0,
    reactivePower: null,
    maxActivePower: null,
    minActivePower: null,
    headroomUp: null,
    headroomDown: null,
    stateOfCharge: null,
    storedEnergy: null,
    voltageMin: null,
    voltageMax: null,
    ...fields,
  };
}
