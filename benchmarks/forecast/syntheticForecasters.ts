import { seededRandom } from '../simulator/fleet';
import { GroupStatus } from '../../pipelines/aggregate/groupStatus';
import { ForecastPlan } from '../../pipelines/forecast/forecastPlan';
import { GroupForecaster } from '../../pipelines/forecast/groupForecaster';

/**
 * `groups` forecasters, each fed a PV-like daily shape of its own (amplitude and phase
 * drawn once) with noise: what the forecasting scripts measure on, without a fleet.
 */
export function syntheticForecasters(groups: number, plan: ForecastPlan, intervalMs: number, seed = 1) {
  const random = seededRandom(seed);
  const forecasters = Array.from(
    { length: groups },
    (_, i) => new GroupForecaster(`group-${String(i).padStart(5, '0')}`, plan),
  );
  const shapes = forecasters.map(() => ({ amplitude: 1000 + 4000 * random(), phase: random() * 96 }));

  /** Group `g`'s status for interval `k` (one status per interval, all four parameters). */
  function statusOf(g: number, k: number): GroupStatus {
    const { amplitude, phase } = shapes[g]!;
    const day = (2 * Math.PI * (k + phase)) / 96;
    const sun = Math.max(0, Math.sin(day)) * amplitude * (0.8 + 0.2 * random());
    return {
      groupId: forecasters[g]!.groupId,
      windowStart: k * intervalMs,
      windowEnd: (k + 1) * intervalMs,
      version: 1,
      members: 100,
      reporting: 100,
      fresh: 100,
      stale: 0,
      silent: 0,
      connected: 100,
      activePower: sun - 500,
      reactivePower: null,
      maxActivePower: sun + 200,
      minActivePower: -1000 - 100 * random(),
      headroomUp: null,
      headroomDown: null,
      stateOfCharge: 50 + 40 * Math.sin(day) + random(),
      storedEnergy: null,
      voltageMin: null,
      voltageMax: null,
    };
  }

  return { forecasters, statusOf };
}
