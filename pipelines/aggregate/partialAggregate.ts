import { ExactSum, addExact, mergeExact, roundExact } from './exactSum';
import { GroupStatus } from './groupStatus';

/**
 * What the members of one group that report through one source partition contribute
 * to the group's status for one window: the first of the two aggregation stages.
 *
 * Every field of SEMANTICS.md §4 is a count, a sum, a minimum or a maximum over
 * members, so partials from several partitions merge into exactly the status one
 * partition holding every member would give. Sums are exact (see exactSum.ts), so the
 * merge order does not matter either. Plain data, written to the partials topic of a
 * scaled-out deployment by partialRecord.ts.
 */
export interface PartialAggregate {
  /** The source partition whose devices this covers, and its watermark when computed. */
  partition: number;
  watermark: number;
  groupId: string;
  windowEnd: number;
  reporting: number;
  fresh: number;
  stale: number;
  connected: number;
  activePower: ExactSum;
  reactivePower: ExactSum;
  reactivePowerCount: number;
  maxActivePower: ExactSum;
  maxActivePowerCount: number;
  minActivePower: ExactSum;
  minActivePowerCount: number;
  /** activePower over fresh, connected members that have maxActivePower (headroomUp's second term). */
  activePowerWithMax: ExactSum;
  activePowerWithMin: ExactSum;
  socWeighted: ExactSum;
  socWeight: ExactSum;
  socPlain: ExactSum;
  socCount: number;
  /** Members with a state of charge but no ratedEnergy: when any, the mean is plain. */
  socWithoutEnergy: number;
  storedEnergy: ExactSum;
  storedEnergyCount: number;
  voltageMin: number | null;
  voltageMax: number | null;
}

/** A partial's exact sums, in the order the partials topic's binary records hold them (partialRecord.ts). */
export const PARTIAL_SUMS = [
  'activePower',
  'reactivePower',
  'maxActivePower',
  'minActivePower',
  'activePowerWithMax',
  'activePowerWithMin',
  'socWeighted',
  'socWeight',
  'socPlain',
  'storedEnergy',
] as const satisfies readonly (keyof PartialAggregate)[];

export function emptyPartial(
  partition: number,
  watermark: number,
  groupId: string,
  windowEnd: number,
): PartialAggregate {
  return {
    partition,
    watermark,
    groupId,
    windowEnd,
    reporting: 0,
    fresh: 0,
    stale: 0,
    connected: 0,
    activePower: [],
    reactivePower: [],
    reactivePowerCount: 0,
    maxActivePower: [],
    maxActivePowerCount: 0,
    minActivePower: [],
    minActivePowerCount: 0,
    activePowerWithMax: [],
    activePowerWithMin: [],
    socWeighted: [],
    socWeight: [],
    socPlain: [],
    socCount: 0,
    socWithoutEnergy: 0,
    storedEnergy: [],
    storedEnergyCount: 0,
    voltageMin: null,
    voltageMax: null,
  };
}

/** How a member stands at a window's end, from its last reading (SEMANTICS.md §4). */
export type MemberStanding = 'fresh' | 'stale';

/** Folds `other` into `into` (same group and window, another partition). */
export function mergePartial(into: PartialAggregate, other: PartialAggregate): void {
  into.reporting += other.reporting;
  into.fresh += other.fresh;
  into.stale += other.stale;
  into.connected += other.connected;
  into.reactivePowerCount += other.reactivePowerCount;
  into.maxActivePowerCount += other.maxActivePowerCount;
  into.minActivePowerCount += other.minActivePowerCount;
  into.socCount += other.socCount;
  into.socWithoutEnergy += other.socWithoutEnergy;
  into.storedEnergyCount += other.storedEnergyCount;
  for (const key of PARTIAL_SUMS) mergeExact(into[key], other[key]);
  for (const v of [other.voltageMin, other.voltageMax]) {
    if (v === null) continue;
    into.voltageMin = into.voltageMin === null ? v : Math.min(into.voltageMin, v);
    into.voltageMax = into.voltageMax === null ? v : Math.max(into.voltageMax, v);
  }
}

/** `a - b`, exactly, rounded once. */
function difference(a: ExactSum, b: ExactSum): number {
  const terms = [...a];
  for (const x of b) addExact(terms, -x);
  return roundExact(terms);
}

/**
 * The status of a group for a window from the merge of all its partials. `members` is
 * the size of the membership in force; members no partition reported on are silent.
 */
export function finishStatus(
  merged: PartialAggregate,
  members: number,
  windowMs: number,
  version: number,
): GroupStatus {
  const socMean =
    merged.socCount === 0
      ? null
      : merged.socWithoutEnergy > 0
        ? roundExact(merged.socPlain) / merged.socCount
        : roundExact(merged.socWeighted) / roundExact(merged.socWeight);
  return {
    groupId: merged.groupId,
    windowStart: merged.windowEnd - windowMs,
    windowEnd: merged.windowEnd,
    version,
    members,
    reporting: merged.reporting,
    fresh: merged.fresh,
    stale: merged.stale,
    silent: members - merged.fresh - merged.stale,
    connected: merged.connected,
    activePower: roundExact(merged.activePower),
    reactivePower: merged.reactivePowerCount === 0 ? null : roundExact(merged.reactivePower),
    maxActivePower: merged.maxActivePowerCount === 0 ? null : roundExact(merged.maxActivePower),
    minActivePower: merged.minActivePowerCount === 0 ? null : roundExact(merged.minActivePower),
    headroomUp:
      merged.maxActivePowerCount === 0 ? null : difference(merged.maxActivePower, merged.activePowerWithMax),
    headroomDown:
      merged.minActivePowerCount === 0 ? null : difference(merged.activePowerWithMin, merged.minActivePower),
    stateOfCharge: socMean,
    storedEnergy: merged.storedEnergyCount === 0 ? null : roundExact(merged.storedEnergy),
    voltageMin: merged.voltageMin,
    voltageMax: merged.voltageMax,
  };
}
