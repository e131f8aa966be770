/**
 * What working out one window's merged partials costs (`PartialStage.addInto` over
 * every stage: the work the status engine does ahead of a window's close, and at the
 * close when most groups changed), alone and repeated, on a fleet's last readings. A
 * script to run by hand, not a test: timings depend on the machine, and this one is
 * shared, so it gives the smallest and the median of many rounds.
 *
 *   npx tsx benchmarks/engine/windowPartials.ts [devices] [groups] [rounds]   (default 556000 1000 40)
 *
 * The fleet is `windowClose.ts`'s ({@link engineFleet}: every device once a minute);
 * the default size is the latency scenario's. Three and a half windows of readings are
 * taken in before the window after them is worked out. The check is a sum over the rounded partials, the same for any
 * change that keeps the statuses.
 */
import { PARTITIONS, WINDOW_MS, engineFleet } from './engineFleet';
import { PartialStage } from '../../pipelines/aggregate/partialStage';
import { PartialAggregate } from '../../pipelines/aggregate/partialAggregate';
import { roundExact } from '../../pipelines/aggregate/exactSum';
import { windowEndOf } from '../../pipelines/window/tumblingWindow';

const devices = Number(process.argv[2] ?? 556_000);
const groups = Number(process.argv[3] ?? 1000);
const rounds = Number(process.argv[4] ?? 40);
const STALENESS_MS = 3 * WINDOW_MS;

const { membership, partitionOf, start, readings } = engineFleet(devices, groups);
const stages = Array.from(
  { length: PARTITIONS },
  (_, p) => new PartialStage(p, (ts) => windowEndOf(ts, WINDOW_MS), STALENESS_MS),
);
for (const [, reading] of readings(start + 3.5 * WINDOW_MS))
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
