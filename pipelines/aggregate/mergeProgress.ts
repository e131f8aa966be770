import { ProgressMarker } from './partialRecord';

/**
 * What one merge partition knows of every source partition's progress, from the
 * markers the partial producers send it. A window can be emitted once every source
 * partition (all of them, whoever reads it) has sent its partials for it: `frontier`.
 * A source partition no marker has come from yet holds everything back, as an
 * assigned partition does in one process.
 *
 * `watermark` is the pipeline's watermark of SEMANTICS.md §3 as seen from here: the
 * smallest watermark over partitions that are not idle, never going back. Producers
 * of idle partitions send their partials up to it, which is how an idle partition
 * stops holding the others back.
 */
export class MergeProgress {
  private readonly markers = new Map<number, ProgressMarker>();
  private current = -Infinity;

  constructor(private readonly partitions: number) {}

  update(marker: ProgressMarker): void {
    this.markers.set(marker.partition, marker);
    let lowest = Infinity;
    for (let partition = 0; partition < this.partitions; partition++) {
      const known = this.markers.get(partition);
      if (known === undefined) return;
      if (!known.idle) lowest = Math.min(lowest, known.watermark);
    }
    if (lowest !== Infinity && lowest > this.current) this.current = lowest;
  }

  /**
   * After a restart from a commit made once `emittedThrough` was out: every source
   * partition had sent its partials through it then, whatever markers this side lost.
   */
  restore(emittedThrough: number): void {
    for (let partition = 0; partition < this.partitions; partition++) {
      if (this.markers.has(partition)) continue;
      this.markers.set(partition, {
        partition,
        watermark: emittedThrough,
        through: emittedThrough,
        idle: false,
      });
    }
    this.current = Math.max(this.current, emittedThrough);
  }

  /** The end of the last window every source partition has sent its partials for. */
  get frontier(): number {
    let lowest = Infinity;
    for (let partition = 0; partition < this.partitions; partition++) {
      const known = this.markers.get(partition);
      if (known === undefined) return -Infinity;
      lowest = Math.min(lowest, known.through);
    }
    return lowest;
  }

  get watermark(): number {
    return this.current;
  }
}
