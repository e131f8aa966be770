import { MergeStage } from './aggregate/mergeStage';
import { GroupStatus } from './aggregate/groupStatus';
import { PartialAggregate } from './aggregate/partialAggregate';
import { PartialStage } from './aggregate/partialStage';
import { groupNumbering } from './aggregate/stageMembers';
import { MembershipSnapshot, MembershipState } from './membership/membershipState';
import { TelemetryReading } from './telemetryReading';
import { windowEndOf } from './window/tumblingWindow';
import { Watermarks } from './window/watermarks';

/** The time rules of SEMANTICS.md §3–4, in milliseconds. */
export interface StatusSemantics {
  /** `W`, window length (default 60 s). */
  windowMs: number;
  /** `B`, out-of-orderness bound (default 5 s). */
  outOfOrdernessMs: number;
  /** `L`, allowed lateness (default 0). */
  latenessMs: number;
  /** `S`, staleness bound (default 3 W). */
  stalenessMs: number;
  /** Processing time after which a silent partition stops holding the watermark (default 30 s). */
  idleTimeoutMs: number;
}

export function defaultSemantics(windowMs = 60_000): StatusSemantics {
  return {
    windowMs,
    outOfOrdernessMs: 5000,
    latenessMs: 0,
    stalenessMs: 3 * windowMs,
    idleTimeoutMs: 30_000,
  };
}

/**
 * What a restarted engine needs to go on exactly where the stopped one was (its
 * committed offsets): see {@link StatusEngine.restore}.
 */
export interface RestoredState {
  /** End of the last window emitted before the restart (kept with the committed offsets). */
  emittedThrough: number;
  /** Groups with a status in that window. */
  startedGroups: readonly string[];
  /** Per partition, each device's latest valid reading before the committed offset. */
  partitions: readonly { partition: number; readings: readonly TelemetryReading[] }[];
}

/** The partition of a partial that merges every partition's. */
const MERGED = -1;

export type StatusOutput =
  | { kind: 'status'; status: GroupStatus }
  | { kind: 'late'; partition: number; reading: TelemetryReading; watermark: number };

/**
 * Valid readings in, group statuses out: the event-time core of derstream
 * (SEMANTICS.md §3–4), with no I/O. Readings pass through one {@link PartialStage} per
 * source partition; their partials meet in the {@link MergeStage}, which emits a window
 * once the pipeline's watermark has passed its end. In one process the hop between
 * the stages is a function call; scaled out, it is a topic keyed by group.
 *
 * Outputs come in a deterministic order: by window, then by group mRID.
 */
export class StatusEngine {
  private readonly watermarks: Watermarks;
  private readonly stages = new Map<number, PartialStage>();
  private readonly merge: MergeStage;
  /** End of the first window any valid reading fell into: windows before it have nothing to say. */
  private firstEnd = Infinity;
  private lastEmittedEnd = -Infinity;
  /** Windows ending at or before this are closed for good; closing scans every device, so only when it moves. */
  private closedThrough = -Infinity;
  /** The stages have kept only the base readings of windows up to here (see {@link workAhead}). */
  private compactedThrough = -Infinity;
  /** The next window to emit, worked out before its close (see {@link workAhead}). */
  private ahead:
    { end: number; snapshot: MembershipSnapshot; byGroup: (PartialAggregate | undefined)[] } | undefined;
  /** `A` of {@link workAhead}. */
  private readonly aheadMs: number;
  private maxTs = -Infinity;
  /** After a restore: windows up to here were emitted before the restart. */
  private resumedThrough = -Infinity;

  constructor(
    private readonly semantics: StatusSemantics,
    readonly membership: MembershipState,
    /** See {@link Watermarks}: for a source that checks its partitions' backlogs when told. */
    options: { holdIdleOnWake?: boolean } = {},
  ) {
    this.watermarks = new Watermarks(
      semantics.outOfOrdernessMs,
      semantics.idleTimeoutMs,
      options.holdIdleOnWake ?? false,
    );
    this.merge = new MergeStage(semantics.windowMs);
    this.aheadMs = Math.min(semantics.outOfOrdernessMs, semantics.windowMs) / 2;
  }

  get watermark(): number {
    return this.watermarks.watermark;
  }

  /** Each source partition's own watermark (see {@link Watermarks.partitionWatermarks}). */
  partitionWatermarks(): Map<number, number> {
    return this.watermarks.partitionWatermarks();
  }

  /** End of the last window emitted: every status up to it is out. */
  get emittedThrough(): number {
    return this.lastEmittedEnd;
  }

  /**
   * Whether the next window has been worked out ahead and waits for its closing
   * reading: from min(B, W)/2 before its end, in event time, to its close.
   */
  get closeDue(): boolean {
    return this.ahead !== undefined;
  }

  get devicesTracked(): number {
    let n = 0;
    for (const stage of this.stages.values()) n += stage.deviceCount;
    return n;
  }

  /** A valid reading from `partition`, arrived at processing time `now`. */
  reading(partition: number, reading: TelemetryReading, now: number): StatusOutput[] {
    const watermark = this.watermarks.watermark;
    const end = this.windowEndOf(reading.ts);
    if (end <= watermark - this.semantics.latenessMs)
      return [{ kind: 'late', partition, reading, watermark }];
    const stage = this.stageOf(partition);
    stage.add(reading);
    this.maxTs = Math.max(this.maxTs, reading.ts);
    this.firstEnd = Math.min(this.firstEnd, end);
    // Read again after a restart, for a window emitted before it: the reading counts as
    // its device's latest, as it did then, and the window is not emitted again.
    const reread = end <= this.resumedThrough;
    const reemitted = end <= this.lastEmittedEnd && !reread ? this.reemit(stage, reading, end) : undefined;
    const advanced = this.advance(this.watermarks.observe(partition, reading.ts, now));
    if (!reemitted) return advanced;
    reemitted.push(...advanced);
    return reemitted;
  }

  /**
   * Resumes after a restart from committed offsets. Every record before a committed
   * offset lies in a window ending at or before `emittedThrough`, so the windows after it
   * get all their readings again from the source; what they also need from before is
   * each device's last reading (carried while fresh, then counted stale) and the groups
   * already running. Windows up to `emittedThrough` were written and published before
   * the commit and are not emitted again. Exact for the allowed lateness L = 0; with
   * L > 0, a re-read reading within the lateness of a window already emitted does not
   * change it again.
   */
  restore(state: RestoredState, now: number): void {
    this.forgetAhead();
    for (const { partition, readings } of state.partitions) {
      const stage = this.stageOf(partition);
      for (const reading of readings) {
        stage.add(reading);
        this.watermarks.observe(partition, reading.ts, now);
        this.maxTs = Math.max(this.maxTs, reading.ts);
      }
    }
    this.lastEmittedEnd = Math.max(this.lastEmittedEnd, state.emittedThrough);
    this.resumedThrough = Math.max(this.resumedThrough, state.emittedThrough);
    this.merge.restoreStarted(state.startedGroups);
  }

  /**
   * The source reads exactly these partitions now (after a join or a rebalance): each
   * holds the watermark until it delivers or goes idle, and partitions given to another
   * instance stop holding it at once.
   */
  assign(partitions: readonly number[], now: number): void {
    this.forgetAhead();
    this.watermarks.assignExactly(partitions, now);
  }

  /** Moves when partitions idle until now hold the watermark again, their backlogs to be checked. */
  get wakeCount(): number {
    return this.watermarks.wakeCount;
  }

  /** Whether the source has records of `partition` still to read (such a partition is never idle). */
  backlog(partition: number, backlog: boolean): void {
    this.watermarks.setBacklog(partition, backlog);
  }

  /** Processing time passed (idle partitions). */
  tick(now: number): StatusOutput[] {
    return this.advance(this.watermarks.tick(now));
  }

  /** End of a finite input: the window holding the largest valid `ts`, and all before it, are emitted. */
  flush(): StatusOutput[] {
    if (this.maxTs === -Infinity) return [];
    return this.advance(this.watermarks.advanceTo(this.windowEndOf(this.maxTs)));
  }

  private windowEndOf(ts: number): number {
    return windowEndOf(ts, this.semantics.windowMs);
  }

  private stageOf(partition: number): PartialStage {
    let stage = this.stages.get(partition);
    if (!stage) {
      // Its readings since the window was worked out ahead were not watched.
      this.forgetAhead();
      stage = new PartialStage(partition, (ts) => this.windowEndOf(ts), this.semantics.stalenessMs);
      this.stages.set(partition, stage);
    }
    return stage;
  }

  private advance(watermark: number): StatusOutput[] {
    const out: StatusOutput[] = [];
    const { windowMs, latenessMs } = this.semantics;
    let end = this.nextEnd();
    for (; end <= watermark; end += windowMs) {
      if (!this.merge.hasStartedGroups) end = this.nextWindowThatCanStartAGroup(end);
      if (end > watermark) break;
      this.compact();
      const snapshot = this.membership.snapshotAt(end);
      if (latenessMs === 0) {
        // No reading can change the window once emitted, so no partition's partial is
        // needed again: every stage adds into one partial per group.
        for (const partial of this.mergedPartials(end, snapshot, watermark))
          if (partial) this.merge.accept(partial);
      } else {
        for (const stage of this.stages.values()) {
          const partitionWatermark = this.watermarks.partitionWatermark(stage.partition);
          for (const partial of stage.partials(end, snapshot, partitionWatermark)) this.merge.accept(partial);
        }
      }
      for (const status of this.merge.emit(end, snapshot)) out.push({ kind: 'status', status });
      this.lastEmittedEnd = end;
    }
    const closed = Math.floor((watermark - latenessMs) / windowMs) * windowMs;
    if (closed > this.closedThrough) {
      this.closedThrough = closed;
      for (const stage of this.stages.values()) stage.markClosed(closed);
    }
    this.workAhead(watermark);
    return out;
  }

  private nextEnd(): number {
    return Math.max(this.firstEnd, this.lastEmittedEnd + this.semantics.windowMs);
  }

  /**
   * Work taken off the reading that closes a window, where a status's latency is
   * counted, and done at quieter points of event time, `A` = min(B, W) / 2 from a window
   * end (0 when B is):
   * - `A` after a close, the stages keep only the base readings of the windows closed
   *   (compacting their rows: not at once, nor so late that the next window's rows
   *   pile up on them);
   * - `A` before the next window's end, with L = 0 and groups running, its merged
   *   partials are worked out ({@link mergedPartials} then redoes only the groups a
   *   reading has changed since: by then the out-of-orderness bound has let most of
   *   the window's readings in).
   */
  private workAhead(watermark: number): void {
    const { aheadMs } = this;
    if (watermark >= this.closedThrough + aheadMs) this.compact();
    const next = this.nextEnd();
    if (
      aheadMs === 0 ||
      this.semantics.latenessMs !== 0 ||
      !this.merge.hasStartedGroups ||
      !Number.isFinite(next) ||
      watermark < next - aheadMs ||
      this.ahead?.end === next
    )
      return;
    const snapshot = this.membership.snapshotAt(next);
    const byGroup = this.allMergedPartials(next, snapshot, watermark);
    for (const stage of this.stages.values()) stage.watchAhead(next);
    this.ahead = { end: next, snapshot, byGroup };
  }

  /** Stages and merge keep nothing of the windows closed for good beyond what later windows need. */
  private compact(): void {
    if (this.compactedThrough >= this.closedThrough) return;
    this.compactedThrough = this.closedThrough;
    for (const stage of this.stages.values()) stage.close(this.closedThrough);
    this.merge.close(this.closedThrough);
  }

  /**
   * Every stage's partials for the window ending at `end` merged, one per group by its
   * number in `snapshot`: those worked out ahead, with the groups of every device that
   * has had a reading for the window since done again; all of them when nothing was
   * worked out for this window and snapshot, or when a quarter of the groups changed.
   */
  private mergedPartials(
    end: number,
    snapshot: MembershipSnapshot,
    watermark: number,
  ): (PartialAggregate | undefined)[] {
    const ahead = this.ahead?.end === end && this.ahead.snapshot === snapshot ? this.ahead : undefined;
    const changed = new Uint8Array(groupNumbering(snapshot).groupIds.length);
    let changes = 0;
    if (ahead)
      for (const stage of this.stages.values()) changes += stage.flagChangedGroups(snapshot, changed);
    this.forgetAhead();
    if (!ahead || changes * 4 > changed.length) return this.allMergedPartials(end, snapshot, watermark);
    const { byGroup } = ahead;
    for (let group = 0; group < changed.length; group++) {
      if (changed[group] === 0) continue;
      byGroup[group] = undefined;
      for (const stage of this.stages.values())
        stage.addGroupInto(group, end, snapshot, MERGED, watermark, byGroup);
    }
    return byGroup;
  }

  /** Every stage's partials for the window ending at `end`, added group by group into one per group. */
  private allMergedPartials(
    end: number,
    snapshot: MembershipSnapshot,
    watermark: number,
  ): (PartialAggregate | undefined)[] {
    const byGroup: (PartialAggregate | undefined)[] = [];
    for (const stage of this.stages.values()) stage.addInto(end, snapshot, MERGED, watermark, byGroup);
    return byGroup;
  }

  private forgetAhead(): void {
    if (!this.ahead) return;
    this.ahead = undefined;
    for (const stage of this.stages.values()) stage.stopWatching();
  }

  /**
   * While no group has a status, a window can start one only if a member reports in it
   * or a membership version takes effect at it: freshness only fades without readings.
   * Skipping the windows in between keeps a jump of the watermark over a long gap (old
   * data of devices in no group, a day of downtime) from costing a pass per window.
   */
  private nextWindowThatCanStartAGroup(from: number): number {
    let next = Infinity;
    for (const stage of this.stages.values()) next = Math.min(next, stage.nextReadingWindowEnd(from));
    const change = this.membership.nextChangeAtOrAfter(from - this.semantics.windowMs);
    if (change !== undefined) next = Math.min(next, this.windowEndOf(change));
    return Math.max(next, from);
  }

  /**
   * A reading within the allowed lateness for an already emitted window: the groups of
   * its device get that window again, and a group that only now has a fresh member
   * gets the windows since emitted too, so its statuses have no gap.
   */
  private reemit(stage: PartialStage, reading: TelemetryReading, end: number): StatusOutput[] {
    const out: StatusOutput[] = [];
    const snapshot = this.membership.snapshotAt(end);
    for (const { groupId } of snapshot.groupsOfDevice(reading.deviceId)) {
      const watermark = this.watermarks.partitionWatermark(stage.partition);
      const hadStatus = this.merge.hasStatus(groupId, end);
      this.merge.accept(stage.partialOf(groupId, end, snapshot, watermark));
      const status = this.merge.update(groupId, end, snapshot);
      if (!status) continue;
      out.push({ kind: 'status', status });
      if (hadStatus) continue;
      for (
        let later = end + this.semantics.windowMs;
        later <= this.lastEmittedEnd;
        later += this.semantics.windowMs
      ) {
        const laterSnapshot = this.membership.snapshotAt(later);
        if (this.merge.hasStatus(groupId, later)) continue;
        for (const other of this.stages.values()) {
          this.merge.accept(
            other.partialOf(
              groupId,
              later,
              laterSnapshot,
              this.watermarks.partitionWatermark(other.partition),
            ),
          );
        }
        const backfill = this.merge.update(groupId, later, laterSnapshot);
        if (backfill) out.push({ kind: 'status', status: backfill });
      }
    }
    return out;
  }
}
