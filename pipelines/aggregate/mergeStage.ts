import { MembershipSnapshot } from '../membership/membershipState';
import { GroupStatus } from './groupStatus';
import { PartialAggregate, emptyPartial, finishStatus, mergePartial } from './partialAggregate';

/**
 * The second aggregation stage, per group: keeps the latest partial of each source
 * partition for every window still open, and turns them into statuses. A window is
 * emitted (`created`) once the pipeline's watermark has passed its end, that is once
 * every source partition is past it; a partial that changes an emitted window
 * re-emits it (`changed`, version + 1) until the allowed lateness has passed.
 *
 * Which windows have a status (SEMANTICS.md §4): every window from the first in which
 * a member is fresh, for as long as the group exists; a deletion ends the run, and a
 * group created again starts anew at its first fresh member.
 */
export class MergeStage {
  /** Window end → group → partition → latest partial. */
  private readonly partials = new Map<number, Map<string, Map<number, PartialAggregate>>>();
  /** Window end → group → last emitted version. */
  private readonly versions = new Map<number, Map<string, number>>();
  private readonly started = new Set<string>();

  constructor(private readonly windowMs: number) {}

  /** Records a partial; returns nothing, emission waits for `emit` or `update`. */
  accept(partial: PartialAggregate): void {
    let groups = this.partials.get(partial.windowEnd);
    if (!groups) this.partials.set(partial.windowEnd, (groups = new Map()));
    let byPartition = groups.get(partial.groupId);
    if (!byPartition) groups.set(partial.groupId, (byPartition = new Map()));
    byPartition.set(partial.partition, partial);
  }

  /** Emits the window ending at `windowEnd` for every group that has a status in it. */
  emit(windowEnd: number, snapshot: MembershipSnapshot): GroupStatus[] {
    for (const groupId of this.started) if (!snapshot.groups.has(groupId)) this.started.delete(groupId);
    const candidates = new Set(this.started);
    for (const groupId of this.partials.get(windowEnd)?.keys() ?? []) {
      if (snapshot.groups.has(groupId)) candidates.add(groupId);
    }
    const statuses: GroupStatus[] = [];
    for (const groupId of [...candidates].sort()) {
      const status = this.statusOf(groupId, windowEnd, snapshot);
      if (status) statuses.push(status);
    }
    return statuses;
  }

  /**
   * Re-emits an already emitted window for one group after one of its partials changed,
   * or emits it for the first time when that made a member fresh.
   */
  update(groupId: string, windowEnd: number, snapshot: MembershipSnapshot): GroupStatus | undefined {
    if (!snapshot.groups.has(groupId)) return undefined;
    return this.statusOf(groupId, windowEnd, snapshot);
  }

  /**
   * After a restart: these groups had a status in the last window emitted before it, so
   * they keep getting one every window, as they would have without the restart.
   */
  restoreStarted(groupIds: Iterable<string>): void {
    for (const groupId of groupIds) this.started.add(groupId);
  }

  /** Does any group have a status running (so every window must be emitted)? */
  get hasStartedGroups(): boolean {
    return this.started.size > 0;
  }

  /** Has the window been emitted for this group? */
  hasStatus(groupId: string, windowEnd: number): boolean {
    return this.versions.get(windowEnd)?.has(groupId) ?? false;
  }

  /** Forgets windows ending at or before `windowEnd`: they can change no more. */
  close(windowEnd: number): void {
    for (const end of this.partials.keys()) if (end <= windowEnd) this.partials.delete(end);
    for (const end of this.versions.keys()) if (end <= windowEnd) this.versions.delete(end);
  }

  private statusOf(
    groupId: string,
    windowEnd: number,
    snapshot: MembershipSnapshot,
  ): GroupStatus | undefined {
    const merged = emptyPartial(-1, -Infinity, groupId, windowEnd);
    for (const partial of this.partials.get(windowEnd)?.get(groupId)?.values() ?? [])
      mergePartial(merged, partial);
    const emitted = this.versions.get(windowEnd);
    const previous = emitted?.get(groupId);
    if (previous === undefined && !this.started.has(groupId) && merged.fresh === 0) return undefined;
    this.started.add(groupId);
    const version = (previous ?? 0) + 1;
    if (emitted) emitted.set(groupId, version);
    else this.versions.set(windowEnd, new Map([[groupId, version]]));
    return finishStatus(merged, snapshot.groups.get(groupId)!.members.length, this.windowMs, version);
  }
}
