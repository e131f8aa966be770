import { GroupMember, GroupVersion } from './groupVersion';

/** One group a device belongs to, with the device's entry (nameplate) in that group. */
export interface DeviceMembership {
  readonly groupId: string;
  readonly member: GroupMember;
}

/** Membership in force at one window end: what the aggregation of that window reads. */
export interface MembershipSnapshot {
  /** The groups that exist at that instant (deleted ones are absent), by mRID. */
  readonly groups: ReadonlyMap<string, GroupVersion>;
  /** The groups a device belongs to, sorted by groupId; empty for a device in none. */
  groupsOfDevice(deviceId: string): readonly DeviceMembership[];
}

const NO_GROUPS: readonly DeviceMembership[] = Object.freeze([]);

/**
 * Every version of every group, as read from the groups file or the compacted
 * `der.groups` topic, answering "which membership is in force at this window end"
 * (SEMANTICS.md §2: the version with the largest `effectiveFrom < end`, none when that
 * version is a deletion).
 *
 * Versions are kept, never merged, so a change that arrives late (with an
 * `effectiveFrom` in the past) still answers correctly for the windows it affects.
 * Snapshots are built once and reused: the engine asks for one per window end, and
 * consecutive ends nearly always share one membership.
 */
export class MembershipState {
  /** Per group, its versions sorted by effectiveFrom, one per effectiveFrom. */
  private readonly histories = new Map<string, GroupVersion[]>();
  /** Every distinct effectiveFrom, sorted: the instants at which some snapshot changes. */
  private readonly changeTimes: number[] = [];
  private cached: { windowEnd: number; snapshot: MembershipSnapshot } | undefined;

  /**
   * Adds a version; one with the same (groupId, effectiveFrom) as a known one replaces
   * it, so replaying a compacted topic twice, or re-reading a file, changes nothing.
   */
  apply(version: GroupVersion): void {
    let history = this.histories.get(version.groupId);
    if (history === undefined) {
      history = [];
      this.histories.set(version.groupId, history);
    }
    const i = firstAtOrAfter(history, version.effectiveFrom, (v) => v.effectiveFrom);
    if (history[i]?.effectiveFrom === version.effectiveFrom) history[i] = version;
    else history.splice(i, 0, version);
    const t = firstAtOrAfter(this.changeTimes, version.effectiveFrom, (time) => time);
    if (this.changeTimes[t] !== version.effectiveFrom) this.changeTimes.splice(t, 0, version.effectiveFrom);
    this.cached = undefined;
  }

  /** The version in force for a window ending at `windowEnd`; undefined when none yet or deleted. */
  versionAt(groupId: string, windowEnd: number): GroupVersion | undefined {
    const history = this.histories.get(groupId);
    if (history === undefined) return undefined;
    const version = history[firstAtOrAfter(history, windowEnd, (v) => v.effectiveFrom) - 1];
    return version === undefined || version.deleted ? undefined : version;
  }

  /** The earliest `effectiveFrom` at or after `t`, if any: when some group's membership next changes. */
  nextChangeAtOrAfter(t: number): number | undefined {
    return this.changeTimes[firstAtOrAfter(this.changeTimes, t, (time) => time)];
  }

  /** A group's versions, oldest first (a deleted group's last is its deletion); empty when unknown. */
  history(groupId: string): readonly GroupVersion[] {
    return this.histories.get(groupId) ?? [];
  }

  /** A group's newest version, deleted or not. */
  latestVersion(groupId: string): GroupVersion | undefined {
    return this.histories.get(groupId)?.at(-1);
  }

  /** Every group that has a version, deleted or not, sorted. */
  groupIds(): string[] {
    return [...this.histories.keys()].sort();
  }

  /**
   * Membership for a window ending at `windowEnd`. The previous snapshot is returned
   * again, same object, while no apply() happened since and no effectiveFrom lies in
   * [previous end, this end) (either order): with strict `effectiveFrom < end`, a version
   * effective exactly at the previous end is not in that snapshot but is in this one.
   */
  snapshotAt(windowEnd: number): MembershipSnapshot {
    const cached = this.cached;
    if (cached !== undefined) {
      const from = Math.min(cached.windowEnd, windowEnd);
      const to = Math.max(cached.windowEnd, windowEnd);
      const next = this.changeTimes[firstAtOrAfter(this.changeTimes, from, (time) => time)];
      if (next === undefined || next >= to) {
        cached.windowEnd = windowEnd;
        return cached.snapshot;
      }
    }
    const snapshot = this.buildSnapshot(windowEnd);
    this.cached = { windowEnd, snapshot };
    return snapshot;
  }

  /** Groups in sorted order, so each device's list comes out sorted with no per-device sort. */
  private buildSnapshot(windowEnd: number): MembershipSnapshot {
    const groups = new Map<string, GroupVersion>();
    const byDevice = new Map<string, DeviceMembership[]>();
    for (const groupId of this.groupIds()) {
      const version = this.versionAt(groupId, windowEnd);
      if (version === undefined) continue;
      groups.set(groupId, version);
      for (const member of version.members) {
        const list = byDevice.get(member.deviceId);
        if (list === undefined) byDevice.set(member.deviceId, [{ groupId, member }]);
        else list.push({ groupId, member });
      }
    }
    return { groups, groupsOfDevice: (deviceId) => byDevice.get(deviceId) ?? NO_GROUPS };
  }
}

/** Binary search: the first index whose key is >= `key` (the length when none is). */
function firstAtOrAfter<T>(sorted: readonly T[], key: number, keyOf: (item: T) => number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (keyOf(sorted[mid]!) < key) low = mid + 1;
    else high = mid;
  }
  return low;
}
