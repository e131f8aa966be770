import { MembershipSnapshot } from '../membership/membershipState';
import { TelemetryReading } from '../telemetryReading';
import { ExactAccumulator } from './exactAccumulator';
import { PartialAggregate, emptyPartial } from './partialAggregate';
import { ROW, ReadingRows } from './readingRows';
import { StageMembers } from './stageMembers';

// Taken out of their modules once: imports compile to getters (CommonJS through tsx), a
// cost on the path run for every member of every group at every window close.
const {
  TS,
  ACTIVE_POWER,
  REACTIVE_POWER,
  VOLTAGE,
  STATE_OF_CHARGE,
  MAX_ACTIVE_POWER,
  MIN_ACTIVE_POWER,
  CONNECTED,
} = ROW;
const { STRIDE } = ReadingRows;

/** In `lastOf`: the device has no reading before the window's end. */
const NONE = -1;
/** Members gathered at a time ({@link PartialStage.gather}): 16 KB of readings, in the L1 cache. */
const GATHER_BLOCK = 256;
/** In `lastOf`, added to an open reading's start (a multiple of a row's 8 doubles): it is in the window. */
const REPORTING = 1;

/** A partial's exact sums, numbered for the stage's accumulator (`PartialStage.sums`). */
const SUM_FIELDS = [
  'activePower',
  'reactivePower',
  'socPlain',
  'socWeighted',
  'socWeight',
  'storedEnergy',
  'maxActivePower',
  'activePowerWithMax',
  'minActivePower',
  'activePowerWithMin',
] as const;
const ACTIVE_POWER_SUM = SUM_FIELDS.indexOf('activePower');
const REACTIVE_POWER_SUM = SUM_FIELDS.indexOf('reactivePower');
const SOC_PLAIN_SUM = SUM_FIELDS.indexOf('socPlain');
const SOC_WEIGHTED_SUM = SUM_FIELDS.indexOf('socWeighted');
const SOC_WEIGHT_SUM = SUM_FIELDS.indexOf('socWeight');
const STORED_ENERGY_SUM = SUM_FIELDS.indexOf('storedEnergy');
const MAX_ACTIVE_POWER_SUM = SUM_FIELDS.indexOf('maxActivePower');
const ACTIVE_POWER_WITH_MAX_SUM = SUM_FIELDS.indexOf('activePowerWithMax');
const MIN_ACTIVE_POWER_SUM = SUM_FIELDS.indexOf('minActivePower');
const ACTIVE_POWER_WITH_MIN_SUM = SUM_FIELDS.indexOf('activePowerWithMin');

/**
 * The first aggregation stage, for one source partition: it keeps the last readings of
 * the devices whose readings come through that partition, and computes what they
 * contribute to each group's status for a window (SEMANTICS.md §4).
 *
 * Per device it keeps the latest valid reading of each window that may still be
 * emitted or re-emitted (its "open" readings), and one `base` reading, the latest of all
 * windows already closed for good: bounded by the number of open windows, whatever the
 * device's reporting rate.
 *
 * Layout, for a fleet of a million devices: each device has a dense slot; base readings
 * are rows by slot; open readings are rows of a second store, linked per device (a
 * device has one or two), their rows reused once their window is closed. A window close
 * is then a pass over typed arrays, group by group with the members worked out once per
 * snapshot ({@link StageMembers}), and allocates nothing per device.
 */
export class PartialStage {
  private readonly slotOf = new Map<string, number>();
  private readonly deviceIds: string[] = [];
  /** By slot: the base reading (ts NaN: none), and the first open row (-1: none). */
  private readonly base = new ReadingRows(1024);
  private head = new Int32Array(1024);
  /** By row: the open reading, its window end (NaN: a free row), its device and the device's next row. */
  private readonly rows = new ReadingRows(1024);
  private rowEnd = new Float64Array(1024);
  private rowSlot = new Int32Array(1024);
  private rowNext = new Int32Array(1024);
  /**
   * Rows ever used (the rest are free, never read, and left untouched: see ReadingRows),
   * and the free ones below that, linked by rowNext.
   */
  private rowsUsed = 0;
  private freeRow = -1;
  /** Window end → open rows in it. */
  private readonly openRows = new Map<number, number>();
  private members: StageMembers | undefined;
  /**
   * By slot, while a window is computed: where its last reading starts, in `rows.data`
   * (>= 0, plus REPORTING when it is in the window), in `base.data` (as `-2 - at`), or
   * NONE. One array, not two: a window close reads it for each member, at random.
   */
  private lastOf = new Int32Array(1024);
  /** {@link gather}'s copies of `lastOf` and of the readings, for a block of a group's members. */
  private readonly gatheredLast = new Int32Array(GATHER_BLOCK);
  private readonly gathered = new Float64Array(GATHER_BLOCK * STRIDE);
  /**
   * While a window is worked out ahead of its close ({@link watchAhead}): its end, and
   * the slots (listed once, flagged by slot) that have had a reading since in a window
   * ending at or before it.
   */
  private aheadEnd = -Infinity;
  private changedSlots: number[] = [];
  private changedFlag = new Uint8Array(1024);
  /** Windows ending at or before this are closed for good, their rows not yet compacted ({@link markClosed}). */
  private closable = -Infinity;
  /** While members are added into a partial: its exact sums, by their number in SUM_FIELDS. */
  private readonly sums = new ExactAccumulator(SUM_FIELDS.length);

  constructor(
    readonly partition: number,
    private readonly windowEndOf: (ts: number) => number,
    private readonly stalenessMs: number,
  ) {}

  get deviceCount(): number {
    return this.deviceIds.length;
  }

  /**
   * Takes a valid, non-late reading. Of two readings with the same `ts`, the one that
   * arrives last wins, hence `>=`.
   */
  add(reading: TelemetryReading): void {
    const slot = this.slotOf.get(reading.deviceId) ?? this.newSlot(reading.deviceId);
    const end = this.windowEndOf(reading.ts);
    if (end <= this.aheadEnd && this.changedFlag[slot] === 0) {
      this.changedFlag[slot] = 1;
      this.changedSlots.push(slot);
    }
    for (let row = this.head[slot]!; row >= 0; row = this.rowNext[row]!) {
      if (this.rowEnd[row] !== end) continue;
      if (reading.ts >= this.rows.ts(row)) this.rows.set(row, reading);
      return;
    }
    const row = this.newRow();
    this.rows.set(row, reading);
    this.rowEnd[row] = end;
    this.rowSlot[row] = slot;
    this.rowNext[row] = this.head[slot]!;
    this.head[slot] = row;
    this.openRows.set(end, (this.openRows.get(end) ?? 0) + 1);
  }

  /** The partials of every group with a member on this partition, for the window ending at `windowEnd`. */
  partials(windowEnd: number, snapshot: MembershipSnapshot, watermark: number): PartialAggregate[] {
    const created: PartialAggregate[] = [];
    this.addInto(windowEnd, snapshot, this.partition, watermark, [], created);
    return created;
  }

  /**
   * Adds what this partition's devices contribute to the window ending at `windowEnd`
   * into `byGroup`, one partial per group by the number `groupNumbering(snapshot)` gives
   * it; a partial it creates (for `partition`, `watermark`) is also pushed to `created`.
   * Several stages adding into the same partials give the merge of their partials:
   * every field is a count, an exact sum, a minimum or a maximum.
   */
  addInto(
    windowEnd: number,
    snapshot: MembershipSnapshot,
    partition: number,
    watermark: number,
    byGroup: (PartialAggregate | undefined)[],
    created?: PartialAggregate[],
  ): void {
    const members = this.membersIn(snapshot);
    this.findLast(windowEnd);
    for (let group = 0; group < members.numbering.groupIds.length; group++)
      this.addGroup(members, group, windowEnd, partition, watermark, byGroup, created);
  }

  /** {@link addInto} for the group numbered `group` alone. */
  addGroupInto(
    group: number,
    windowEnd: number,
    snapshot: MembershipSnapshot,
    partition: number,
    watermark: number,
    byGroup: (PartialAggregate | undefined)[],
  ): void {
    const members = this.membersIn(snapshot);
    for (let i = members.start[group]!; i < members.start[group + 1]!; i++)
      this.lastAt(members.slot[i]!, windowEnd);
    this.addGroup(members, group, windowEnd, partition, watermark, byGroup);
  }

  /**
   * From now on, notes which devices get a reading in a window ending at or before
   * `windowEnd`, until {@link stopWatching}. A partial computed now for that window
   * stays right for every group that none of them is a member of: the readings of later
   * windows do not change it, and closing earlier windows only moves readings.
   */
  watchAhead(windowEnd: number): void {
    this.stopWatching();
    this.aheadEnd = windowEnd;
  }

  stopWatching(): void {
    for (const slot of this.changedSlots) this.changedFlag[slot] = 0;
    this.changedSlots = [];
    this.aheadEnd = -Infinity;
  }

  /**
   * Flags in `changed` (by group number in `snapshot`) the groups of the devices noted
   * since {@link watchAhead}; returns how many it flagged that were not flagged yet.
   */
  flagChangedGroups(snapshot: MembershipSnapshot, changed: Uint8Array): number {
    const members = this.membersIn(snapshot);
    let flagged = 0;
    for (const slot of this.changedSlots) flagged += members.flagGroupsOf(slot, changed);
    return flagged;
  }

  private addGroup(
    members: StageMembers,
    group: number,
    windowEnd: number,
    partition: number,
    watermark: number,
    byGroup: (PartialAggregate | undefined)[],
    created?: PartialAggregate[],
  ): void {
    const from = members.start[group]!;
    const to = members.start[group + 1]!;
    if (from === to || !this.anyLast(members.slot, from, to)) return;
    let partial = byGroup[group];
    if (partial === undefined) {
      partial = emptyPartial(partition, watermark, members.numbering.groupIds[group]!, windowEnd);
      byGroup[group] = partial;
      created?.push(partial);
    }
    this.addMembers(partial, members.slot, members.ratedEnergy, from, to);
  }

  /** The partial of one group, recomputed from its members (after a reading within the allowed lateness). */
  partialOf(
    groupId: string,
    windowEnd: number,
    snapshot: MembershipSnapshot,
    watermark: number,
  ): PartialAggregate {
    const partial = emptyPartial(this.partition, watermark, groupId, windowEnd);
    const slots: number[] = [];
    const energies: number[] = [];
    for (const member of snapshot.groups.get(groupId)?.members ?? []) {
      const slot = this.slotOf.get(member.deviceId);
      if (slot === undefined) continue;
      this.lastAt(slot, windowEnd);
      slots.push(slot);
      energies.push(member.ratedEnergy ?? NaN);
    }
    this.addMembers(partial, Int32Array.from(slots), Float64Array.from(energies), 0, slots.length);
    return partial;
  }

  /** The end of the earliest window at or after `windowEnd` holding a reading of this partition. */
  nextReadingWindowEnd(windowEnd: number): number {
    let next = Infinity;
    for (const end of this.openRows.keys()) if (end >= windowEnd && end < next) next = end;
    return next;
  }

  /**
   * Windows ending at or before `windowEnd` are closed for good, to be compacted
   * ({@link close}) later, at a quieter point, but at the latest when the stage would
   * otherwise grow: a window's rows are a row per device, and while the watermark waits
   * past a close the next windows' rows keep coming.
   */
  markClosed(windowEnd: number): void {
    this.closable = Math.max(this.closable, windowEnd);
  }

  /** Windows ending at or before `windowEnd` are closed for good: keep only their latest reading. */
  close(windowEnd: number): void {
    let closing = false;
    for (const end of this.openRows.keys()) {
      if (end > windowEnd) continue;
      closing = true;
      this.openRows.delete(end);
    }
    if (!closing) return;
    const { base, rows, rowEnd, rowSlot, rowNext } = this;
    for (let row = 0; row < this.rowsUsed; row++) {
      // A free row's end is NaN, never <= windowEnd.
      if (!(rowEnd[row]! <= windowEnd)) continue;
      const slot = rowSlot[row]!;
      const baseTs = base.ts(slot);
      if (Number.isNaN(baseTs) || rows.ts(row) >= baseTs) base.copyRow(rows, row, slot);
      this.unlink(slot, row);
      rowEnd[row] = NaN;
      rowNext[row] = this.freeRow;
      this.freeRow = row;
    }
  }

  /** Whether any of the devices in `slots[from ..< to]` has a last reading (`lastOf`). */
  private anyLast(slots: Int32Array, from: number, to: number): boolean {
    for (let i = from; i < to; i++) if (this.lastOf[slots[i]!] !== NONE) return true;
    return false;
  }

  /**
   * Adds the members `slots[from ..< to]` of the partial's group (with their
   * `ratedEnergies` there, NaN when not given), each by its last reading as `lastOf` has
   * it. A reporting member is fresh whatever the staleness bound says.
   * Counts and the voltage range are kept in locals and written once: a double written
   * to an object's field that may also be null is a new heap number each time. The
   * members go a block at a time, their readings first copied by {@link gather}; the
   * sums then run on the copies, in the stage's {@link ExactAccumulator}. Only the two
   * together saved CPU (`benchmarks/engine/windowPartials.ts`; figures in
   * `benchmarks/RESULTS.md`, "A window's partials, gathered").
   */
  private addMembers(
    partial: PartialAggregate,
    slots: Int32Array,
    ratedEnergies: Float64Array,
    from: number,
    to: number,
  ): void {
    const { stalenessMs, sums, gatheredLast, gathered: data } = this;
    const windowEnd = partial.windowEnd;
    let reportingCount = 0;
    let fresh = 0;
    let stale = 0;
    let connected = 0;
    let reactivePowerCount = 0;
    let maxActivePowerCount = 0;
    let minActivePowerCount = 0;
    let socCount = 0;
    let socWithoutEnergy = 0;
    let storedEnergyCount = 0;
    let voltageMin = Infinity;
    let voltageMax = -Infinity;
    for (let block = from; block < to; block += GATHER_BLOCK) {
      const n = this.gather(slots, block, Math.min(to, block + GATHER_BLOCK));
      for (let j = 0; j < n; j++) {
        const i = block + j;
        const last = gatheredLast[j]!;
        if (last === NONE) continue;
        const at = j * STRIDE;
        const reporting = last >= 0 && (last & REPORTING) !== 0;
        if (!reporting && windowEnd - data[at + TS]! > stalenessMs) {
          stale++;
          continue;
        }
        fresh++;
        if (reporting) reportingCount++;
        const activePower = data[at + ACTIVE_POWER]!;
        sums.add(ACTIVE_POWER_SUM, activePower);
        const reactivePower = data[at + REACTIVE_POWER]!;
        if (!Number.isNaN(reactivePower)) {
          sums.add(REACTIVE_POWER_SUM, reactivePower);
          reactivePowerCount++;
        }
        const voltage = data[at + VOLTAGE]!;
        if (!Number.isNaN(voltage)) {
          voltageMin = Math.min(voltageMin, voltage);
          voltageMax = Math.max(voltageMax, voltage);
        }
        const stateOfCharge = data[at + STATE_OF_CHARGE]!;
        if (!Number.isNaN(stateOfCharge)) {
          socCount++;
          sums.add(SOC_PLAIN_SUM, stateOfCharge);
          const ratedEnergy = ratedEnergies[i]!;
          if (Number.isNaN(ratedEnergy)) socWithoutEnergy++;
          else {
            sums.add(SOC_WEIGHTED_SUM, stateOfCharge * ratedEnergy);
            sums.add(SOC_WEIGHT_SUM, ratedEnergy);
            sums.add(STORED_ENERGY_SUM, (stateOfCharge / 100) * ratedEnergy);
            storedEnergyCount++;
          }
        }
        if (data[at + CONNECTED] === 0) continue;
        connected++;
        const maxActivePower = data[at + MAX_ACTIVE_POWER]!;
        if (!Number.isNaN(maxActivePower)) {
          sums.add(MAX_ACTIVE_POWER_SUM, maxActivePower);
          sums.add(ACTIVE_POWER_WITH_MAX_SUM, activePower);
          maxActivePowerCount++;
        }
        const minActivePower = data[at + MIN_ACTIVE_POWER]!;
        if (!Number.isNaN(minActivePower)) {
          sums.add(MIN_ACTIVE_POWER_SUM, minActivePower);
          sums.add(ACTIVE_POWER_WITH_MIN_SUM, activePower);
          minActivePowerCount++;
        }
      }
    }
    for (let sum = 0; sum < SUM_FIELDS.length; sum++) sums.drainInto(sum, partial[SUM_FIELDS[sum]!]);
    partial.reporting += reportingCount;
    partial.fresh += fresh;
    partial.stale += stale;
    partial.connected += connected;
    partial.reactivePowerCount += reactivePowerCount;
    partial.maxActivePowerCount += maxActivePowerCount;
    partial.minActivePowerCount += minActivePowerCount;
    partial.socCount += socCount;
    partial.socWithoutEnergy += socWithoutEnergy;
    partial.storedEnergyCount += storedEnergyCount;
    if (voltageMin !== Infinity)
      partial.voltageMin =
        partial.voltageMin === null ? voltageMin : Math.min(partial.voltageMin, voltageMin);
    if (voltageMax !== -Infinity)
      partial.voltageMax =
        partial.voltageMax === null ? voltageMax : Math.max(partial.voltageMax, voltageMax);
  }

  /**
   * Copies `lastOf` and the last readings of the members `slots[from ..< to]` into
   * `gatheredLast` and `gathered`, in order; returns how many. Why: the readings are
   * rows of a million devices, read at random, and a loop that only copies them keeps
   * several cache misses in flight, where the exact sums between them would not.
   */
  private gather(slots: Int32Array, from: number, to: number): number {
    const { lastOf, gatheredLast, gathered } = this;
    const rows = this.rows.data;
    const base = this.base.data;
    for (let i = from; i < to; i++) gatheredLast[i - from] = lastOf[slots[i]!]!;
    for (let j = 0; j < to - from; j++) {
      const last = gatheredLast[j]!;
      if (last === NONE) continue;
      const data = last >= 0 ? rows : base;
      const at = last >= 0 ? last - (last & REPORTING) : -2 - last;
      const into = j * STRIDE;
      // A row is one cache line: its eight loads written out, not looped.
      gathered[into] = data[at]!;
      gathered[into + 1] = data[at + 1]!;
      gathered[into + 2] = data[at + 2]!;
      gathered[into + 3] = data[at + 3]!;
      gathered[into + 4] = data[at + 4]!;
      gathered[into + 5] = data[at + 5]!;
      gathered[into + 6] = data[at + 6]!;
      gathered[into + 7] = data[at + 7]!;
    }
    return to - from;
  }

  /** Every device's last reading before `windowEnd`, into `lastOf`. */
  private findLast(windowEnd: number): void {
    for (let slot = 0; slot < this.deviceIds.length; slot++) this.lastAt(slot, windowEnd);
  }

  /**
   * Notes in `lastOf` where the last reading of `slot` before `windowEnd` starts: its
   * open reading with the largest window end up to `windowEnd`, else its base reading.
   */
  private lastAt(slot: number, windowEnd: number): void {
    const { rowEnd, rowNext } = this;
    let last = -1;
    let lastEnd = -Infinity;
    for (let row = this.head[slot]!; row >= 0; row = rowNext[row]!) {
      const end = rowEnd[row]!;
      if (end <= windowEnd && end > lastEnd) {
        last = row;
        lastEnd = end;
      }
    }
    this.lastOf[slot] =
      last >= 0
        ? ReadingRows.at(last) + (lastEnd === windowEnd ? REPORTING : 0)
        : Number.isNaN(this.base.ts(slot))
          ? NONE
          : -2 - ReadingRows.at(slot);
  }

  private membersIn(snapshot: MembershipSnapshot): StageMembers {
    let members = this.members;
    if (members?.snapshot !== snapshot) this.members = members = new StageMembers(snapshot);
    members.cover(this.deviceIds);
    return members;
  }

  private newSlot(deviceId: string): number {
    const slot = this.deviceIds.length;
    if (slot === this.head.length) {
      const capacity = 2 * slot;
      this.base.grow(capacity);
      const head = new Int32Array(capacity);
      head.set(this.head);
      this.head = head;
      this.lastOf = new Int32Array(capacity);
      const changedFlag = new Uint8Array(capacity);
      changedFlag.set(this.changedFlag);
      this.changedFlag = changedFlag;
    }
    this.head[slot] = -1;
    this.base.clear(slot);
    this.deviceIds.push(deviceId);
    this.slotOf.set(deviceId, slot);
    return slot;
  }

  private newRow(): number {
    if (this.freeRow >= 0) {
      const row = this.freeRow;
      this.freeRow = this.rowNext[row]!;
      return row;
    }
    if (this.rowsUsed === this.rowEnd.length) {
      // The row asked for is in a window still open, so not among those this frees.
      this.close(this.closable);
      if (this.freeRow >= 0) return this.newRow();
      const capacity = 2 * this.rowsUsed;
      this.rows.grow(capacity);
      const rowEnd = new Float64Array(capacity);
      rowEnd.set(this.rowEnd);
      this.rowEnd = rowEnd;
      const rowSlot = new Int32Array(capacity);
      rowSlot.set(this.rowSlot);
      this.rowSlot = rowSlot;
      const rowNext = new Int32Array(capacity);
      rowNext.set(this.rowNext);
      this.rowNext = rowNext;
    }
    return this.rowsUsed++;
  }

  /** Takes `row` out of the list of open rows of `slot`. */
  private unlink(slot: number, row: number): void {
    if (this.head[slot] === row) {
      this.head[slot] = this.rowNext[row]!;
      return;
    }
    let before = this.head[slot]!;
    while (this.rowNext[before] !== row) before = this.rowNext[before]!;
    this.rowNext[before] = this.rowNext[row]!;
  }
}
