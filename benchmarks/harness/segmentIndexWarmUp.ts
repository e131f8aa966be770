import { IHeaders, Kafka } from 'kafkajs';

/** The header that marks a warm-up record: the harness's readers of the topic skip it. */
export const WARM_UP_HEADER = 'derstream-bench-warm-up';

/** More than the broker's `index.interval.bytes` (4096 by default, kept by ops/kafka). */
const PAST_THE_INDEX_INTERVAL = 8192;

/** Whether a record read from a warmed topic is one of the warm-up's own. */
export function isWarmUpRecord(headers: IHeaders | undefined): boolean {
  return headers?.[WARM_UP_HEADER] !== undefined;
}

/**
 * Has the broker write the first index entries of every partition's fresh log segment
 * before a run, not while it measures one. A broker adds an index entry on the append
 * after a segment has taken `index.interval.bytes`: on a topic created for the run, the
 * second append to each partition. Its first write into that segment's index files
 * cost about 4 ms a partition on this machine, one partition after another: 45–53 ms
 * for 12, always on the statuses of the first window measured (the warm-up window's
 * were the first append). A status topic in service pays this once a segment (a roll
 * each GiB or 7 days), not once a window. So, per partition: one record past the
 * interval, then one more, each its own append; both carry `WARM_UP_HEADER`.
 */
export async function warmSegmentIndexes(
  kafka: Kafka,
  topics: readonly { name: string; partitions: number }[],
): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (const value of [Buffer.alloc(PAST_THE_INDEX_INTERVAL), Buffer.alloc(0)])
      await producer.sendBatch({
        acks: -1,
        topicMessages: topics.map((topic) => ({
          topic: topic.name,
          messages: Array.from({ length: topic.partitions }, (_, partition) => ({
            partition,
            value,
            headers: { [WARM_UP_HEADER]: 'segment index' },
          })),
        })),
      });
  } finally {
    await producer.disconnect();
  }
}
