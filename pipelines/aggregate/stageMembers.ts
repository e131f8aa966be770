import { MembershipSnapshot } from '../membership/membershipState';

/** The groups of a snapshot numbered 0.., so per-group state can live in arrays. */
export interface GroupNumbering {
  readonly groupIds: readonly string[];
  readonly numberOf: ReadonlyMap<string, number>;
}

const numberings = new WeakMap<MembershipSnapshot, GroupNumbering>();

/** One numbering per snapshot, shared by every partition's stage. */
export function groupNumbering(snapshot: MembershipSnapshot): GroupNumbering {
  let numbering = numberings.get(snapshot);
  if (!numbering) {
    const groupIds = [...snapshot.groups.keys()];
    numbering = { groupIds, numberOf: new Map(groupIds.map((groupId, i) => [groupId, i])) };
    numberings.set(snapshot, numbering);
  }
  return numbering;
}

/**
 * The members of each group in one snapshot among the devices a stage has seen, by
 * device slot (the dense index the stage gives each device): group number `g`'s are
 * entries `start[g]` up to `start[g + 1]` of `slot` and `ratedEnergy` (NaN when not
 * given), in slot order.
 *
 * Why: a window close visits every member. Looking a device's groups up by its id is a
 * hash lookup and a list of objects per device, per window; this is worked out once
 * per snapshot (consecutive windows nearly always share one), and for new devices only
 * when they appear. Group by group, a group's partial stays in cache while its members
 * are added, instead of a jump to another group's partial at every member.
 */
export class StageMembers {
  readonly numbering: GroupNumbering;
  start: Int32Array;
  slot = new Int32Array(0);
  ratedEnergy = new Float64Array(0);
  /** The same by device: slot `s`'s groups are entries `byDevice[s]` up to `byDevice[s + 1]`. */
  private byDevice = new Int32Array(1025);
  private groupOf = new Int32Array(1024);
  private energyOf = new Float64Array(1024);
  private slots = 0;

  constructor(readonly snapshot: MembershipSnapshot) {
    this.numbering = groupNumbering(snapshot);
    this.start = new Int32Array(this.numbering.groupIds.length + 1);
  }

  /** Covers the slots `0 ..< deviceIds.length`, the id of slot `s` being `deviceIds[s]`. */
  cover(deviceIds: readonly string[]): void {
    if (deviceIds.length === this.slots) return;
    const { numberOf } = this.numbering;
    for (let slot = this.slots; slot < deviceIds.length; slot++) {
      const memberships = this.snapshot.groupsOfDevice(deviceIds[slot]!);
      let at = this.byDevice[slot]!;
      if (slot + 2 > this.byDevice.length) this.byDevice = grown(this.byDevice, 2 * (slot + 2));
      if (at + memberships.length > this.groupOf.length) {
        this.groupOf = grown(this.groupOf, 2 * (at + memberships.length));
        this.energyOf = grown(this.energyOf, this.groupOf.length);
      }
      for (const { groupId, member } of memberships) {
        this.groupOf[at] = numberOf.get(groupId)!;
        this.energyOf[at] = member.ratedEnergy ?? NaN;
        at++;
      }
      this.byDevice[slot + 1] = at;
    }
    this.slots = deviceIds.length;
    this.byGroup();
  }

  /** Sets `flags[g]` for each group `g` of slot `slot` (covered); returns how many were not set yet. */
  flagGroupsOf(slot: number, flags: Uint8Array): number {
    let flagged = 0;
    for (let i = this.byDevice[slot]!; i < this.byDevice[slot + 1]!; i++) {
      const group = this.groupOf[i]!;
      if (flags[group] === 1) continue;
      flags[group] = 1;
      flagged++;
    }
    return flagged;
  }

  /** The by-group arrays from the by-device ones: a counting sort, slots in order. */
  private byGroup(): void {
    const entries = this.byDevice[this.slots]!;
    const start = this.start.fill(0);
    for (let i = 0; i < entries; i++) start[this.groupOf[i]! + 1]!++;
    for (let g = 1; g < start.length; g++) start[g]! += start[g - 1]!;
    const next = start.slice(0, start.length - 1);
    this.slot = new Int32Array(entries);
    this.ratedEnergy = new Float64Array(entries);
    for (let slot = 0; slot < this.slots; slot++) {
      for (let i = this.byDevice[slot]!; i < this.byDevice[slot + 1]!; i++) {
        const at = next[this.groupOf[i]!]!++;
        this.slot[at] = slot;
        this.ratedEnergy[at] = this.energyOf[i]!;
      }
    }
  }
}

function grown<T extends Int32Array | Float64Array>(array: T, capacity: number): T {
  const to = new (array.constructor as new (length: number) => T)(capacity);
  to.set(array);
  return to;
}
