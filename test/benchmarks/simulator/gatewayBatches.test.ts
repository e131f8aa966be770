import { createFleet, fleetReadings } from '../../../benchmarks/simulator/fleet';
import { gatewayBatches, gatewayBatching, gatewayOf } from '../../../benchmarks/simulator/gatewayBatches';

describe("the simulator's gateways", () => {
  const fleet = createFleet({ devices: 300, groups: 5, seed: 3, intervalMs: 10_000 });
  const start = Date.UTC(2026, 5, 1, 12);
  // A copy of each, so that a duplicate (the same reading sent again) is a reading of its own here.
  const arrivals = [
    ...fleetReadings(fleet, { start, end: start + 5 * 60_000, seed: 4, duplicateShare: 0.01 }),
  ].map(([at, r]): [number, typeof r] => [at, { ...r }]);
  const batching = { readings: 20, gateways: 3, maxWaitMs: 1000 };
  const batches = [...gatewayBatches(arrivals, batching)];

  it('sends every reading once, each device through one gateway, in arrival order', () => {
    expect(batches.flatMap(([, b]) => b.readings)).toHaveLength(arrivals.length);
    for (const [, batch] of batches)
      for (const reading of batch.readings) expect(gatewayOf(reading.deviceId, 3)).toBe(batch.gatewayId);
    const perDevice = (readings: { deviceId: string; ts: number }[]) => {
      const byDevice = new Map<string, number[]>();
      for (const r of readings) byDevice.set(r.deviceId, [...(byDevice.get(r.deviceId) ?? []), r.ts]);
      return byDevice;
    };
    expect(perDevice(batches.flatMap(([, b]) => b.readings))).toEqual(perDevice(arrivals.map(([, r]) => r)));
    expect(new Set(batches.map(([, b]) => b.gatewayId)).size).toBe(3);
  });

  it('sends a batch when full or when its oldest reading has waited, times ascending', () => {
    const arrivalOf = new Map(arrivals.map(([at, r]) => [r, at]));
    for (const [i, [sentAt, batch]] of batches.entries()) {
      expect(batch.readings.length).toBeGreaterThan(0);
      expect(batch.readings.length).toBeLessThanOrEqual(20);
      const first = arrivalOf.get(batch.readings[0]!)!;
      expect(sentAt - first).toBeLessThanOrEqual(1000);
      if (batch.readings.length < 20) expect(sentAt - first).toBe(1000);
      if (i > 0) expect(sentAt).toBeGreaterThanOrEqual(batches[i - 1]![0]);
    }
    expect(batches.filter(([, b]) => b.readings.length === 20).length).toBeGreaterThan(0);
  });

  it('sizes the gateways so that batches fill in about half the wait', () => {
    expect(gatewayBatching(4000, 50)).toEqual({ readings: 50, maxWaitMs: 1000, gateways: 40 });
    expect(gatewayBatching(10, 50).gateways).toBe(1);
  });
});
