/**
 * Watermark alignment across source partitions: which partitions to pause because
 * their own watermark runs too far ahead of the pipeline's, and which to resume.
 *
 * Why: the pipeline's watermark is the smallest over active partitions (SEMANTICS.md
 * §3), so a window stays open until the slowest partition passes it. While catching
 * up on a backlog, kafkajs serves some partitions ahead of others; the readings of the
 * fast ones pile up in windows that cannot close, a row per device per window. At a
 * million devices that was four to six open windows a device, 460 MB. Pausing a
 * partition whose lead passes `maxLeadMs` until it is back within half of it bounds
 * the open windows to about `maxLeadMs / W + 2`. A paused partition's records come
 * later, in their order, and the watermark (the slowest partition's) is not moved by
 * it; what changes is only how far the others have got when they come, as at the
 * devices' pace: a reading more than B out of order within its partition is judged
 * late as it would be live. The slowest partition is never paused, so the pipeline
 * always makes progress.
 *
 * Pure: the caller reads the watermarks and applies the answer to its consumer.
 */
export class PartitionLead {
  private readonly paused = new Set<number>();

  /** `maxLeadMs` 0: no partition is ever paused. */
  constructor(private readonly maxLeadMs: number) {}

  /**
   * After the watermarks moved: the partitions to pause now (more than `maxLeadMs`
   * ahead of `watermark`) and those to resume (back within half of it, or no longer
   * read). While the pipeline has no watermark yet, nothing is ahead of it.
   */
  update(
    watermark: number,
    partitionWatermarks: ReadonlyMap<number, number>,
  ): { pause: number[]; resume: number[] } {
    const pause: number[] = [];
    const resume: number[] = [];
    if (this.maxLeadMs === 0) return { pause, resume };
    const known = Number.isFinite(watermark);
    for (const partition of this.paused) {
      const own = partitionWatermarks.get(partition);
      if (!known || own === undefined || own - watermark <= this.maxLeadMs / 2) {
        this.paused.delete(partition);
        resume.push(partition);
      }
    }
    if (!known) return { pause, resume };
    for (const [partition, own] of partitionWatermarks) {
      if (own - watermark > this.maxLeadMs && !this.paused.has(partition)) {
        this.paused.add(partition);
        pause.push(partition);
      }
    }
    return { pause, resume };
  }

  /** Forgets every pause (a rebalance: the consumer's assignment starts anew); returns the partitions paused until now. */
  reset(): number[] {
    const resumed = [...this.paused];
    this.paused.clear();
    return resumed;
  }
}
