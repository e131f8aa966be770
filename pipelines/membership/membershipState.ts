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
    const known = history[i]?.effectiveFrom === version.effectiveFrom ? history[i] : undefined;
    // The same version again (the topic read anew, a DMS re-sending its groups) keeps the
    // snapshot: a new one makes every stage work out its devices' groups again at the
    // next window close, seconds at a million devices.
    if (known !== undefined && sameVersion(known, version)) return;
    if (known !== undefined) history[i] = version;
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

  /**
   * Groups in sorted order, so each device's list comes out sorted with no per-device sort.
   *
   * A device's memberships are entries of flat arrays (which version, which member),
   * not a list of objects: at a million devices a list and its objects per device were
   * 195 MB; this is a number per device in the map and two per membership. The lists
   * are made when asked for, once per new device by each stage.
   */
  private buildSnapshot(windowEnd: number): MembershipSnapshot {
    const groups = new Map<string, GroupVersion>();
    const versions: GroupVersion[] = [];
    const deviceOf = new Map<string, number>();
    /** By membership, in group order: its device. */
    const devices: number[] = [];
    /** counts[d + 1]: device d's memberships. */
    const counts = [0];
    for (const groupId of this.groupIds()) {
      const version = this.versionAt(groupId, windowEnd);
      if (version === undefined) continue;
      groups.set(groupId, version);
      versions.push(version);
      for (const { deviceId } of version.members) {
        let device = deviceOf.get(deviceId);
        if (device === undefined) {
          device = deviceOf.size;
          deviceOf.set(deviceId, device);
          counts.push(0);
        }
        counts[device + 1]!++;
        devices.push(device);
      }
    }
    // counts[d + 1] becomes where device d's entries end, counts[d] where they start.
    for (let d = 1; d < counts.length; d++) counts[d]! += counts[d - 1]!;
    const start = Int32Array.from(counts);
    // counts[d] now moves on past each entry of device d placed.
    const versionAt = new Int32Array(devices.length);
    const memberAt = new Int32Array(devices.length);
    let membership = 0;
    for (let v = 0; v < versions.length; v++) {
      for (let m = 0; m < versions[v]!.members.length; m++) {
        const at = counts[devices[membership++]!]!++;
        versionAt[at] = v;
        memberAt[at] = m;
      }
    }
    return new IndexedSnapshot(groups, versions, deviceOf, start, versionAt, memberAt);
  }
}

/**
 * A snapshot whose device lists are entries of flat arrays: device `d`'s memberships are
 * entries `start[d]` up to `start[d + 1]` of `versionAt` (the version, by its place in
 * `versions`) and `memberAt` (the member, by its place in that version's members).
 */
class IndexedSnapshot implements MembershipSnapshot {
  constructor(
    readonly groups: ReadonlyMap<string, GroupVersion>,
    private readonly versions: readonly GroupVersion[],
    private readonly deviceOf: ReadonlyMap<string, number>,
    private readonly start: Int32Array,
    private readonly versionAt: Int32Array,
    private readonly memberAt: Int32Array,
  ) {}

  groupsOfDevice(deviceId: string): readonly DeviceMembership[] {
    const device = this.deviceOf.get(deviceId);
    if (device === undefined) return NO_GROUPS;
    const list: DeviceMembership[] = [];
    for (let at = this.start[device]!; at < this.start[device + 1]!; at++) {
      const version = this.versions[this.versionAt[at]!]!;
      list.push({ groupId: version.groupId, member: version.members[this.memberAt[at]!]! });
    }
    return list;
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

/** Whether two versions of one group at one `effectiveFrom` say the same: name, deletion, function and members in order. */
function sameVersion(a: GroupVersion, b: GroupVersion): boolean {
  if (a.name !== b.name || a.deleted !== b.deleted || a.members.length !== b.members.length) return false;
  if (JSON.stringify(a.derFunction) !== JSON.stringify(b.derFunction)) return false;
  for (let i = 0; i < a.members.length; i++) {
    const x = a.members[i]!;
    const y = b.members[i]!;
    if (x.deviceId !== y.deviceId || x.ratedPower !== y.ratedPower || x.ratedEnergy !== y.ratedEnergy)
      return false;
  }
  return true;
}
