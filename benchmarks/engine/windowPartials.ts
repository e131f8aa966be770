/**
 * What working out one window's merged partials costs (`PartialStage.addInto` over
 * every stage: the work the status engine does ahead of a window's close, and at the
 * close when most groups changed), alone and repeated, on a fleet's last readings. A
 * script to run by hand, not a test: timings depend on the machine, and this one is
 * shared, so it gives the smallest and the median of many rounds.
 *
 *   npx tsx benchmarks/engine/windowPartials.ts [devices] [groups] [rounds]   (default 556000 1000 40)
 *
 * The fleet is the latency scenario's (devices in 1–3 groups, every device reporting
 * once a minute with the simulator's jitter), spread over 12 partitions by device
 * index; three and a half windows of readings are taken in before the window after
 * them is worked out. The check is a sum over the rounded partials, the same for any
 * change that keeps the statuses.
 */
import { createFleet, fleetReadings } from '../simulator/fleet';
import { groupVersionsFromJson } from '../../pipelines/membership/parseGroupsJson';
import { MembershipState } from '../../pipelines/membership/membershipState';
import { PartialStage } from '../../pipelines/aggregate/partialStage';
import { PartialAggregate } from '../../pipelines/aggregate/partialAggregate';
import { roundExact } from '../../pipelines/aggregate/exactSum';
import { windowEndOf } from '../../pipelines/window/tumblingWindow';

const devices = Number(process.argv[2] ?? 556_000);
const groups = Number(process.argv[3] ?? 1000);
const rounds = Number(process.argv[4] ?? 40);
const PARTITIONS = 12;
const WINDOW_MS = 60_000;
const STALENESS_MS = 3 * WINDOW_MS;

const fleet = createFleet({ devices, groups, seed: 7, intervalMs: WINDOW_MS });
const membership = new MembershipState();
for (const version of groupVersionsFromJson({ groups: fleet.groups })) membership.apply(version);
const stages = Array.from(
  { length: PARTITIONS },
  (_, p) => new PartialStage(p, (ts) => windowEndOf(ts, WINDOW_MS), STALENESS_MS),
);
const partitionOf = new Map(fleet.devices.map((device, i) => [device.id, i % PARTITIONS]));
const start = Date.UTC(2026, 10, 23, 12);
for (const [, reading] of fleetReadings(fleet, {
  start,
  end: start + 3.5 * WINDOW_MS,
  seed: 7,
  jitterMs: 2000,
  dropout: 0.01,
  duplicateShare: 0.001,
}))
  stages[partitionOf.get(reading.deviceId)!]!.add(reading);

const end = start + 4 * WINDOW_MS;
const snapshot = membership.snapshotAt(end);
const cpuMs: number[] = [];
let byGroup: (PartialAggregate | undefined)[] = [];
for (let round = 0; round < rounds; round++) {
  byGroup = [];
  const before = process.cpuUsage().user;
  for (const stage of stages) stage.addInto(end, snapshot, -1, end, byGroup);
  cpuMs.push((process.cpuUsage().user - before) / 1000);
}
let check = 0;
for (const partial of byGroup)
  if (partial)
    check +=
      partial.fresh +
      roundExact(partial.activePower) +
      roundExact(partial.activePowerWithMax) +
      roundExact(partial.activePowerWithMin) +
      roundExact(partial.reactivePower) +
      roundExact(partial.socWeighted) +
      roundExact(partial.storedEnergy);
cpuMs.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    devices,
    groups,
    rounds,
    cpuMsMin: Math.round(cpuMs[0]!),
    cpuMsMedian: Math.round(cpuMs[Math.floor(rounds / 2)]!),
    check,
  }),
);
