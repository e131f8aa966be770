import { MembershipSnapshot } from '../membership/membershipState';
import { StatusSemantics } from '../statusEngine';
import { TelemetryReading } from '../telemetryReading';
import { windowEndOf } from '../window/tumblingWindow';
import { PartialAggregate } from './partialAggregate';
import { PartialStage } from './partialStage';
import { ProgressMarker } from './partialRecord';

/**
 * The partial producer of one source partition, scaled out: its {@link PartialStage}
 * and its own watermark, sending the partials of each window once its watermark has
 * passed the window's end, followed by a {@link ProgressMarker} saying so.
 *
 * Lateness is judged here, against what this partition has already sent: a reading
 * whose window's partials are out (`windowEnd <= through`) is late. In one process the
 * test is against the pipeline's watermark, which is never ahead of a partition's, so
 * the two differ only for a reading more than B out of order within its partition
 * while another partition still holds the pipeline back. Allowed lateness must be 0.
 *
 * An idle partition (nothing for the idle timeout, and no backlog) sends its partials
 * on up to the pipeline's watermark it is told, so it stops holding the others back.
 */
export class PartialSource {
  private readonly stage: PartialStage;
  private maxTs = -Infinity;
  private firstEnd = Infinity;
  private lastSeen: number;
  private backlog = false;
  private sentThrough = -Infinity;

  constructor(
    readonly partition: number,
    private readonly semantics: StatusSemantics,
    now: number,
  ) {
    this.stage = new PartialStage(partition, (ts) => this.windowEndOf(ts), semantics.stalenessMs);
    this.lastSeen = now;
  }

  /** The end of the last window whose partials are sent. */
  get through(): number {
    return this.sentThrough;
  }

  get watermark(): number {
    return this.maxTs - this.semantics.outOfOrdernessMs;
  }

  get deviceCount(): number {
    return this.stage.deviceCount;
  }

  /**
   * Resumes from a commit: each device's latest reading before the committed offset
   * and the end of the last window sent then. Records after the offset come again.
   */
  restore(readings: readonly TelemetryReading[], through: number): void {
    for (const reading of readings) this.accept(reading);
    this.sentThrough = Math.max(this.sentThrough, through);
    this.stage.close(this.sentThrough);
  }

  /**
   * A valid reading arrived at processing time `now`; false when it is late. `reread`:
   * read again after a restore, and taken in before the commit resumed from, so its
   * window's partials went out with it: it updates its device, as it did then.
   */
  reading(reading: TelemetryReading, now: number, reread = false): boolean {
    if (!reread && this.windowEndOf(reading.ts) <= this.sentThrough) return false;
    this.accept(reading);
    this.lastSeen = now;
    return true;
  }

  /** Whether the source has records of this partition still to read (then it is never idle). */
  setBacklog(backlog: boolean): void {
    this.backlog = backlog;
  }

  /**
   * The source was silent (a broker outage, a rejoin): that silence was not the
   * devices', so the partition counts as having just delivered and holds the others
   * until it delivers or goes idle anew.
   */
  hold(now: number): void {
    this.lastSeen = Math.max(this.lastSeen, now);
  }

  idle(now: number): boolean {
    return !this.backlog && now - this.lastSeen >= this.semantics.idleTimeoutMs;
  }

  /**
   * The partials of every window this partition can close now, in window order, and
   * the marker to send after them. `pipelineWatermark` is how far the pipeline is
   * (what an idle partition follows).
   */
  advance(
    now: number,
    pipelineWatermark: number,
    snapshotAt: (windowEnd: number) => MembershipSnapshot,
  ): { partials: PartialAggregate[]; marker: ProgressMarker } {
    const idle = this.idle(now);
    const { windowMs } = this.semantics;
    let target = this.floorToWindowEnd(this.watermark);
    if (idle) target = Math.max(target, this.floorToWindowEnd(pipelineWatermark));
    const partials: PartialAggregate[] = [];
    if (target > this.sentThrough) {
      let end = this.sentThrough === -Infinity ? this.firstEnd : this.sentThrough + windowMs;
      for (; end <= target; end += windowMs)
        partials.push(...this.stage.partials(end, snapshotAt(end), this.watermark));
      this.sentThrough = target;
      this.stage.close(target);
    }
    return {
      partials,
      marker: { partition: this.partition, watermark: this.watermark, through: this.sentThrough, idle },
    };
  }

  private accept(reading: TelemetryReading): void {
    this.stage.add(reading);
    this.maxTs = Math.max(this.maxTs, reading.ts);
    this.firstEnd = Math.min(this.firstEnd, this.windowEndOf(reading.ts));
  }

  private windowEndOf(ts: number): number {
    return windowEndOf(ts, this.semantics.windowMs);
  }

  /** The end of the last window ending at or before `t`. */
  private floorToWindowEnd(t: number): number {
    if (!Number.isFinite(t)) return t;
    return Math.floor(t / this.semantics.windowMs) * this.semantics.windowMs;
  }
}
