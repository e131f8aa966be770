import { ClickhouseSink, PositionedGroupVersion } from '../pipelines/io/clickhouse/clickhouseSink';
import { retryUntilDone } from '../pipelines/io/retryUntilDone';
import { WriteBehind } from '../pipelines/io/writeBehind';
import { messageOf } from '../pipelines/errors';

/**
 * Writes every group version read from `der.groups` to ClickHouse's
 * `group_membership_history`, behind the reading: versions that come while a write is in
 * flight go out together in the next. `der.groups` is read from its beginning at each
 * start, so records before the last one the table already holds (`writtenThrough`) are
 * skipped, and a write that failed for good is made again at the next start: the
 * history is derived from the topic, which keeps every group's latest version.
 */
export class MembershipHistory {
  private readonly writer: WriteBehind<PositionedGroupVersion>;
  private failed = false;

  constructor(
    sink: ClickhouseSink,
    private readonly writtenThrough: ReadonlyMap<number, bigint>,
    private readonly log: (line: string) => void,
    signal?: AbortSignal,
  ) {
    this.writer = new WriteBehind(async (take) => {
      const versions = take();
      await retryUntilDone(
        'writing the membership history to ClickHouse',
        () => sink.writeMembershipHistory(versions, Date.now()),
        { log, signal },
      );
    });
  }

  add(versioned: PositionedGroupVersion): void {
    // The last record the table holds is written again: a write goes in several inserts
    // (the sink's count of versions, the executor's size), so a crash may have cut a
    // record short between two.
    if (versioned.offset < (this.writtenThrough.get(versioned.partition) ?? -1n)) return;
    this.writer.add(versioned).written.catch((error: unknown) => {
      // Every write after a failed one fails too: one line says so.
      if (this.failed) return;
      this.failed = true;
      this.log(
        `groups: the membership history is not written from here on (${messageOf(error)}); the next start writes it`,
      );
    });
  }

  /** Waits for every version handed in to be written, or to have failed. */
  drain(): Promise<void> {
    return this.writer.drain();
  }
}
