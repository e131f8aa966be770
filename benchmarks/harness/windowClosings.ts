import { PartitionMetadata, Partitioners } from 'kafkajs';

/**
 * When each window could first close, by the readings' arrival times: the pipeline's
 * watermark reaches a window end E once every partition has delivered a reading
 * stamped at or after E + B, so E can close no earlier than the latest, over
 * partitions, of the first arrival of such a reading. Fed the readings in arrival
 * order (as the paced simulator sends them), partitioned as kafkajs's default
 * partitioner places their keys.
 */
export class WindowClosings {
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly metadata: PartitionMetadata[];
  private readonly partitionOf = new Map<string, number>();
  /** Per partition: the largest window end whose closing reading it has delivered. */
  private readonly closedThrough: number[];
  /** Window end → per partition, the arrival of its first closing reading. */
  private readonly firsts = new Map<number, number[]>();

  constructor(
    private readonly topic: string,
    private readonly partitions: number,
    private readonly windowMs: number,
    private readonly outOfOrdernessMs: number,
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

  /** A reading of `key` stamped `ts` due to arrive at `arrival` (arrival order). */
  add(key: string, ts: number, arrival: number): void {
    let partition = this.partitionOf.get(key);
    if (partition === undefined) {
      partition = this.partitioner({
        topic: this.topic,
        partitionMetadata: this.metadata,
        message: { key, value: null },
      });
      this.partitionOf.set(key, partition);
    }
    const closes = Math.floor((ts - this.outOfOrdernessMs) / this.windowMs) * this.windowMs;
    const from = this.closedThrough[partition]!;
    if (closes <= from) return;
    // The first window this partition closes: only windows after its previous reach are new.
    const first = Number.isFinite(from) ? from + this.windowMs : closes;
    for (let end = first; end <= closes; end += this.windowMs) {
      let row = this.firsts.get(end);
      if (!row) this.firsts.set(end, (row = Array.from({ length: this.partitions }, () => NaN)));
      row[partition] = arrival;
    }
    this.closedThrough[partition] = closes;
  }

  /** Window end → when its last partition's closing reading was due (only windows every partition has closed). */
  closings(): [number, number][] {
    return [...this.firsts.entries()]
      .filter(([, row]) => row.every((at) => Number.isFinite(at)))
      .map(([end, row]) => [end, Math.max(...row)]);
  }
}
