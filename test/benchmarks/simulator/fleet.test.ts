import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFleet, fleetReadings, readingAt } from '../../../benchmarks/simulator/fleet';
import { derstream } from '../../support/cli';

const NOON = Date.UTC(2026, 5, 1, 12);

describe('the fleet simulator', () => {
  it('is a function of its seed', () => {
    expect(createFleet({ devices: 300, groups: 7, seed: 5 })).toEqual(
      createFleet({ devices: 300, groups: 7, seed: 5 }),
    );
    expect(createFleet({ devices: 300, groups: 7, seed: 5 })).not.toEqual(
      createFleet({ devices: 300, groups: 7, seed: 6 }),
    );
  });

  it('puts every device in its feeder group and in at most two more, each listed once', () => {
    const fleet = createFleet({ devices: 1000, groups: 20, seed: 1 });
    for (const [i, device] of fleet.devices.entries()) {
      expect(device.groups[0]).toBe(fleet.groups[i % 20]!.mRID);
      expect(device.groups.length).toBeLessThanOrEqual(3);
      expect(new Set(device.groups).size).toBe(device.groups.length);
    }
    const memberships = fleet.groups.reduce((sum, group) => sum + group.members!.length, 0);
    expect(memberships).toBe(fleet.devices.reduce((sum, device) => sum + device.groups.length, 0));
    expect(new Set(fleet.devices.map((d) => d.kind))).toEqual(new Set(['pv', 'battery', 'ev', 'load']));
  });

  it('gives readings that are valid by SEMANTICS.md §1 all day long', () => {
    const fleet = createFleet({ devices: 400, groups: 4, seed: 2 });
    for (let hour = 0; hour < 24; hour += 1.5) {
      for (const device of fleet.devices) {
        const r = readingAt(device, Date.UTC(2026, 5, 1) + hour * 3_600_000);
        expect(Number.isInteger(r.ts)).toBe(true);
        expect(Number.isFinite(r.activePower)).toBe(true);
        if (r.stateOfCharge !== null) expect(r.stateOfCharge >= 0 && r.stateOfCharge <= 100).toBe(true);
        if (r.minActivePower !== null && r.maxActivePower !== null) {
          expect(r.minActivePower).toBeLessThanOrEqual(r.maxActivePower);
        }
      }
    }
  });

  it('makes PV generate at noon and not at midnight', () => {
    const pv = createFleet({ devices: 100, groups: 1, seed: 3 }).devices.filter((d) => d.kind === 'pv');
    expect(pv.every((d) => readingAt(d, NOON).activePower > 0)).toBe(true);
    expect(pv.every((d) => readingAt(d, NOON + 12 * 3_600_000).activePower === 0)).toBe(true);
  });

  it('emits each device on its schedule, in arrival order, with the asked-for late share', () => {
    const fleet = createFleet({ devices: 500, groups: 5, seed: 4, intervalMs: 10_000 });
    const all = [
      ...fleetReadings(fleet, { start: NOON, end: NOON + 600_000, seed: 1, lateShare: 0.02, jitterMs: 2000 }),
    ];
    expect(all).toHaveLength(500 * 60);
    const arrivals = all.map(([arrival]) => arrival);
    expect(arrivals).toEqual([...arrivals].sort((a, b) => a - b));
    const late = all.filter(([arrival, reading]) => arrival - reading.ts >= 5 * 60_000).length;
    expect(late / all.length).toBeGreaterThan(0.01);
    expect(late / all.length).toBeLessThan(0.03);
    const perDevice = new Map<string, number>();
    for (const [, reading] of all)
      perDevice.set(reading.deviceId, (perDevice.get(reading.deviceId) ?? 0) + 1);
    expect([...perDevice.values()].every((n) => n === 60)).toBe(true);
  });

  it('emits every reading held back by a delay that is not a whole number of milliseconds', () => {
    const fleet = createFleet({ devices: 200, groups: 5, seed: 4, intervalMs: 10_000 });
    const all = [
      ...fleetReadings(fleet, {
        start: NOON,
        end: NOON + 60_000,
        seed: 1,
        lateShare: 0.5,
        lateDelayMs: 1500.5,
      }),
    ];
    expect(all).toHaveLength(200 * 6);
    const arrivals = all.map(([arrival]) => arrival);
    expect(arrivals).toEqual([...arrivals].sort((a, b) => a - b));
  });

  it('makes the next second’s readings a few at a time between the readings it yields', () => {
    // A paced sender takes each reading at its arrival: a second's worth of readings made
    // in one step would hold back the readings due while it is made.
    const fleet = createFleet({ devices: 20_000, groups: 5, seed: 4, intervalMs: 10_000 });
    let measured = 0;
    const counting = {
      ...fleet,
      devices: fleet.devices.map(
        (device) =>
          new Proxy(device, {
            get: (target, key, receiver) => {
              if (key === 'phaseMs') measured++;
              return Reflect.get(target, key, receiver) as unknown;
            },
          }),
      ),
    };
    const readings = fleetReadings(counting, { start: NOON, end: NOON + 30_000, seed: 1, jitterMs: 2000 });
    readings.next();
    let most = 0;
    let yielded = 1;
    for (let before = measured; !readings.next().done; before = measured, yielded++)
      most = Math.max(most, measured - before);
    expect(yielded).toBe(20_000 * 3);
    // 2,000 devices measure in each second; a few readings arrive in the first second.
    expect(most).toBeLessThanOrEqual(10);
  });

  it('writes NDJSON readings with the asked-for share of bad lines, and the groups file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'derstream-sim-'));
    const out = join(dir, 'readings.ndjson');
    const groupsOut = join(dir, 'groups.json');
    const args = ['simulate', '--devices', '200', '--groups', '4', '--duration', '10m', '--invalid', '0.05'];
    const result = derstream([...args, '--out', out, '--groups-out', groupsOut]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    const parsesAsReading = (line: string) => {
      try {
        const value = JSON.parse(line);
        return (
          typeof value.deviceId === 'string' &&
          Number.isInteger(value.ts) &&
          typeof value.activePower === 'number'
        );
      } catch {
        return false;
      }
    };
    const bad = lines.filter((line) => !parsesAsReading(line)).length;
    expect(bad / lines.length).toBeGreaterThan(0.01);
    expect(bad / lines.length).toBeLessThan(0.06);
    const groups = JSON.parse(readFileSync(groupsOut, 'utf8')).groups;
    expect(groups).toHaveLength(4);
    expect(groups[0]).toMatchObject({ mRID: 'group-00001', effectiveFrom: 0, members: expect.any(Array) });
    const again = join(dir, 'again.ndjson');
    derstream([...args, '--out', again]);
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(out, 'utf8'));
  });
});
