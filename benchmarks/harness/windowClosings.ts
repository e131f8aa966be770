import { PartitionMetadata, Partitioners } from 'kafkajs';

/**
 * When each window could first close, by the readings' arrival times: the pipeline's
 * watermark reaches a window end E once every partition has delivered a reading
 * stamped at or after E + B, so E can close no earlier than the latest, over
 * partitions, of the first arrival of such a reading. Fed the readings in arrival
 * order (as the paced simulator sends them), partitioned as kafkajs's default
 * partitioner places their keys. Each closing is told twice: by when its readings were
 * due (the fleet's schedule) and by when they were sent (`clock` when added), which is
 * later when the simulator falls behind its schedule.
 */
export class WindowClosings {
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly metadata: PartitionMetadata[];
  private readonly partitionOf = new Map<string, number>();
  /** Per partition: the largest window end whose closing reading it has delivered. */
  private readonly closedThrough: number[];
  /** The least of closedThrough. */
  private closedEverywhere = -Infinity;
  /** Window end → per partition, when its first closing reading was due and when it was sent. */
  private readonly firsts = new Map<number, { due: number[]; sent: number[] }>();

  constructor(
    private readonly topic: string,
    private readonly partitions: number,
    private readonly windowMs: number,
    private readonly outOfOrdernessMs: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.metadata = Array.from({ length: partitions }, (_, partitionId) => ({
      partitionId,
      partitionErrorCode: 0,
      leader: 1,
      replicas: [1],
      isr: [1],
    }));
    this.closedThrough = Array.from({ length: partitions }, () => -Infinity);
  }

  /** A reading of `key` stamped `ts`, due to arrive at `arrival`, being sent now (arrival order). */
  add(key: string, ts: number, arrival: number): void {
    const closes = Math.floor((ts - this.outOfOrdernessMs) / this.windowMs) * this.windowMs;
    // Nearly every reading closes nothing new on any partition: no need to place its key.
    if (closes <= this.closedEverywhere) return;
    let partition = this.partitionOf.get(key);
    if (partition === undefined) {
      partition = this.partitioner({
        topic: this.topic,
        partitionMetadata: this.metadata,
        message: { key, value: null },
      });
      this.partitionOf.set(key, partition);
    }
    const from = this.closedThrough[partition]!;
    if (closes <= from) return;
    // The first window this partition closes: only windows after its previous reach are new.
    const first = Number.isFinite(from) ? from + this.windowMs : closes;
    const sent = this.clock();
    for (let end = first; end <= closes; end += this.windowMs) {
      let row = this.firsts.get(end);
      if (!row) {
        const unknown = () => Array.from({ length: this.partitions }, () => NaN);
        this.firsts.set(end, (row = { due: unknown(), sent: unknown() }));
      }
      row.due[partition] = arrival;
      row.sent[partition] = sent;
    }
    this.closedThrough[partition] = closes;
    this.closedEverywhere = Math.min(...this.closedThrough);
  }

  /**
   * Window end → when the last partition's closing reading was due, and when it was sent
   * (only windows every partition has closed).
   */
  closings(): [number, number, number][] {
    return [...this.firsts.entries()]
      .filter(([, row]) => row.due.every((at) => Number.isFinite(at)))
      .map(([end, row]) => [end, Math.max(...row.due), Math.max(...row.sent)]);
  }
}
