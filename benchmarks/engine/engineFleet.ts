import { createFleet, fleetReadings } from '../simulator/fleet';
import { groupVersionsFromJson } from '../../pipelines/membership/parseGroupsJson';
import { MembershipState } from '../../pipelines/membership/membershipState';

export const PARTITIONS = 12;
export const WINDOW_MS = 60_000;

/**
 * The fleet the engine scripts (`windowClose.ts`, `windowPartials.ts`) share, so that
 * their figures compare: devices in 1–3 groups, each reporting once per 60 s window,
 * spread over 12 partitions by device index. Readings come in the simulator's order,
 * with 2 s of arrival jitter, 1 % dropout and 0.1 % duplicates, from 2026-11-23 12:00.
 */
export function engineFleet(devices: number, groups: number) {
  const fleet = createFleet({ devices, groups, seed: 7, intervalMs: WINDOW_MS });
  const membership = new MembershipState();
  for (const version of groupVersionsFromJson({ groups: fleet.groups })) membership.apply(version);
  const partitionOf = new Map(fleet.devices.map((device, i) => [device.id, i % PARTITIONS]));
  const start = Date.UTC(2026, 10, 23, 12);
  /** [arrival, reading] pairs with `ts` up to `end`. */
  const readings = (end: number) =>
    fleetReadings(fleet, { start, end, seed: 7, jitterMs: 2000, dropout: 0.01, duplicateShare: 0.001 });
  return { membership, partitionOf, start, readings };
}
