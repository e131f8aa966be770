/**
 * Event-time watermarks per source partition (SEMANTICS.md §3).
 *
 * A partition's watermark is the largest valid `ts` it has delivered minus the
 * out-of-orderness bound `B`. The pipeline's watermark is the smallest over active
 * partitions; a partition that has delivered nothing for `idleTimeout` of processing
 * time stops holding it back until it delivers again. The pipeline's watermark never
 * goes back: a partition waking up from idleness behind it finds its late readings
 * late.
 *
 * With `holdIdleOnWake`, a partition waking from idleness makes the other idle ones hold
 * the watermark again, as if they had a backlog, until {@link setBacklog} says whether
 * they have one. A fleet silent and then backfilled at once (a gateway's stored
 * readings) wakes every partition, and the first one read would otherwise carry the
 * watermark past records the others have not had read yet: in a test, 804 of 2,270
 * readings late. The source checks those backlogs when {@link wakeCount} moves.
 */
export class Watermarks {
  private readonly partitions = new Map<number, PartitionState>();
  private current = -Infinity;
  private wakes = 0;

  constructor(
    private readonly outOfOrdernessMs: number,
    private readonly idleTimeoutMs: number,
    private readonly holdIdleOnWake = false,
  ) {}

  /** How many times a waking partition has made the idle ones hold the watermark (`holdIdleOnWake`). */
  get wakeCount(): number {
    return this.wakes;
  }

  /** The pipeline's watermark as of the last `observe` or `tick`. */
  get watermark(): number {
    return this.current;
  }

  /**
   * The source now reads `partition` (an assignment at start-up or after a rebalance).
   * Until it delivers a reading, or stays silent for the idle timeout, it holds the
   * watermark where it is: otherwise the first partition to deliver its backlog would
   * make every other partition's readings late.
   */
  assign(partition: number, now: number): void {
    if (!this.partitions.has(partition))
      this.partitions.set(partition, { maxTs: -Infinity, lastSeen: now, backlog: false });
  }

  /** The source no longer reads `partition` (revoked in a rebalance). */
  revoke(partition: number): void {
    this.partitions.delete(partition);
  }

  /**
   * The source reads exactly `partitions` now (after a join): new ones are assigned, the
   * others revoked, and the kept ones hold the watermark again until they deliver or go
   * idle anew. The silence before a join was the source's (a broker outage, a consumer
   * restarted, a rebalance), not the devices': counted as idleness, it would let the
   * first partition read afterwards make the others' waiting readings late.
   */
  assignExactly(partitions: readonly number[], now: number): void {
    const kept = new Set(partitions);
    for (const partition of [...this.partitions.keys()]) if (!kept.has(partition)) this.revoke(partition);
    for (const partition of partitions) {
      const state = this.partitions.get(partition);
      if (state) state.lastSeen = Math.max(state.lastSeen, now);
      else this.assign(partition, now);
    }
  }

  /** A valid reading of `ts` arrived on `partition` at processing time `now`. Returns the new watermark. */
  observe(partition: number, ts: number, now: number): number {
    const state = this.partitions.get(partition);
    if (state) {
      if (this.holdIdleOnWake && this.idle(state, now)) this.holdIdle(partition, now);
      state.maxTs = Math.max(state.maxTs, ts);
      state.lastSeen = now;
    } else {
      this.partitions.set(partition, { maxTs: ts, lastSeen: now, backlog: false });
    }
    return this.tick(now);
  }

  /**
   * Whether `partition` has records waiting to be read. A partition with a backlog is
   * never idle: its silence is ours (we are busy with other partitions), not the
   * devices', and letting the watermark pass it would make its backlog late.
   */
  setBacklog(partition: number, backlog: boolean): void {
    const state = this.partitions.get(partition);
    if (state) state.backlog = backlog;
  }

  /** Processing time passed: idle partitions may stop holding the watermark back. */
  tick(now: number): number {
    let lowest = Infinity;
    for (const state of this.partitions.values()) {
      if (!this.idle(state, now)) lowest = Math.min(lowest, state.maxTs - this.outOfOrdernessMs);
    }
    if (lowest !== Infinity && lowest > this.current) this.current = lowest;
    return this.current;
  }

  /** The watermark a partition alone would give, for metrics and the partial records. */
  partitionWatermark(partition: number): number {
    const state = this.partitions.get(partition);
    return state ? state.maxTs - this.outOfOrdernessMs : -Infinity;
  }

  /** The watermark each partition read now would give alone (-Infinity for one that has delivered nothing). */
  partitionWatermarks(): Map<number, number> {
    const watermarks = new Map<number, number>();
    for (const [partition, { maxTs }] of this.partitions)
      watermarks.set(partition, maxTs - this.outOfOrdernessMs);
    return watermarks;
  }

  /** Moves the watermark to `to` (the end-of-input flush of a replay). */
  advanceTo(to: number): number {
    if (to > this.current) this.current = to;
    return this.current;
  }

  private idle(state: PartitionState, now: number): boolean {
    return !state.backlog && now - state.lastSeen >= this.idleTimeoutMs;
  }

  private holdIdle(waking: number, now: number): void {
    for (const [partition, state] of this.partitions) {
      if (partition !== waking && this.idle(state, now)) state.backlog = true;
    }
    this.wakes++;
  }
}

interface PartitionState {
  maxTs: number;
  lastSeen: number;
  /** Records waiting to be read (or, after a wake, perhaps: see `holdIdleOnWake`). */
  backlog: boolean;
}
