import { MembershipSnapshot } from '../membership/membershipState';
import { GroupStatus } from './groupStatus';
import { MergeProgress } from './mergeProgress';
import { MergeStage } from './mergeStage';
import { PartialRecord } from './partialRecord';

/** A group's current run of statuses: every window from `from` to `through` has one. */
export interface GroupRun {
  groupId: string;
  from: number;
  through: number;
}

/**
 * The merge stage of one partition of the partials topic, scaled out: the groups whose
 * key falls on that partition. Partials and progress markers come in; a window is
 * emitted once every source partition has sent its partials for it (the
 * {@link MergeProgress} frontier), as one process emits it once the pipeline's
 * watermark has passed its end. With allowed lateness 0 a window is final once emitted:
 * partials for it that come again (a producer resuming after a rebalance) are ignored.
 *
 * The runs of statuses it returns are what a restart needs to know which groups were
 * running (see `restore`).
 */
export class PartialsMerge {
  readonly progress: MergeProgress;
  private readonly merge: MergeStage;
  /** Window ends with partials waiting, for the jump over windows before any group starts. */
  private readonly pending = new Set<number>();
  private readonly runs = new Map<string, GroupRun>();
  private lastEmittedEnd = -Infinity;

  constructor(
    private readonly windowMs: number,
    sourcePartitions: number,
  ) {
    this.progress = new MergeProgress(sourcePartitions);
    this.merge = new MergeStage(windowMs);
  }

  get emittedThrough(): number {
    return this.lastEmittedEnd;
  }

  /** Takes a record; returns the window end it waits for, or undefined when it waits for nothing. */
  accept(record: PartialRecord): number | undefined {
    if (record.kind === 'progress') {
      this.progress.update(record.marker);
      return undefined;
    }
    const { partial } = record;
    if (partial.windowEnd <= this.lastEmittedEnd) return undefined;
    this.merge.accept(partial);
    this.pending.add(partial.windowEnd);
    return partial.windowEnd;
  }

  /**
   * Resumes from a commit made once `emittedThrough` was out, with the groups whose
   * run covered it (they keep a status every window). Records after the committed
   * offset come again.
   */
  restore(emittedThrough: number, runs: readonly GroupRun[]): void {
    this.lastEmittedEnd = Math.max(this.lastEmittedEnd, emittedThrough);
    this.progress.restore(emittedThrough);
    const running = runs.filter((run) => run.from <= emittedThrough && emittedThrough <= run.through);
    for (const run of running) this.runs.set(run.groupId, { ...run, through: emittedThrough });
    this.merge.restoreStarted(running.map((run) => run.groupId));
  }

  /** Emits every window the progress allows, in order; statuses by window, then group mRID. */
  advance(snapshotAt: (windowEnd: number) => MembershipSnapshot): {
    statuses: GroupStatus[];
    runs: GroupRun[];
  } {
    const statuses: GroupStatus[] = [];
    const changed = new Map<string, GroupRun>();
    const frontier = this.progress.frontier;
    for (;;) {
      let end = this.lastEmittedEnd + this.windowMs;
      // While no group runs, only a window with partials can start one.
      if (!this.merge.hasStartedGroups) end = this.firstPendingAtOrAfter(end);
      if (end > frontier) break;
      for (const status of this.merge.emit(end, snapshotAt(end))) {
        statuses.push(status);
        const run = this.runs.get(status.groupId);
        const next =
          run !== undefined && run.through === end - this.windowMs
            ? { ...run, through: end }
            : { groupId: status.groupId, from: end, through: end };
        this.runs.set(status.groupId, next);
        changed.set(status.groupId, next);
      }
      this.lastEmittedEnd = end;
      this.merge.close(end);
      for (const pending of this.pending) if (pending <= end) this.pending.delete(pending);
    }
    return { statuses, runs: [...changed.values()] };
  }

  private firstPendingAtOrAfter(windowEnd: number): number {
    let first = Infinity;
    for (const end of this.pending) if (end >= windowEnd && end < first) first = end;
    return first;
  }
}
