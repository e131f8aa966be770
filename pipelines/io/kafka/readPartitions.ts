import { randomUUID } from 'node:crypto';
import { Kafka, KafkaMessage } from 'kafkajs';
import { topicEnds } from './topicEnds';

/**
 * Reads `partitions` of `topic` from the beginning to their end as of the call (a
 * changelog: the state that moves with a partition on a rebalance), then stops. It
 * commits nothing, under a group of its own that no one else joins.
 *
 * An error `onMessage` throws (a record it cannot read) ends the read and is thrown from
 * here: left to kafkajs, the batch would be tried again and the consumer restarted, for
 * ever, and the read would never end.
 */
export async function readPartitions(
  kafka: Kafka,
  topic: string,
  partitions: readonly number[],
  onMessage: (partition: number, message: KafkaMessage) => void,
): Promise<void> {
  const ends = await topicEnds(kafka, topic);
  const remaining = new Map(
    ends
      .filter((p) => partitions.includes(p.partition) && p.high !== p.low)
      .map((p) => [p.partition, BigInt(p.high)]),
  );
  if (remaining.size === 0) return;
  const groupId = `derstream-changelog-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let done!: () => void;
    let failed!: (error: unknown) => void;
    const caughtUp = new Promise<void>((resolve, reject) => {
      done = resolve;
      failed = reject;
    });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const high = remaining.get(batch.partition);
        if (high === undefined) return;
        try {
          for (const message of batch.messages) {
            if (BigInt(message.offset) >= high) break;
            onMessage(batch.partition, message);
          }
        } catch (error) {
          remaining.clear();
          failed(error);
          return;
        }
        const last = batch.messages.at(-1);
        if (last !== undefined && BigInt(last.offset) + 1n >= high) {
          remaining.delete(batch.partition);
          if (remaining.size === 0) done();
        }
        return Promise.resolve();
      },
    });
    await caughtUp;
  } finally {
    await consumer.disconnect();
    const cleanup = kafka.admin();
    await cleanup
      .connect()
      .then(() => cleanup.deleteGroups([groupId]))
      .catch(() => undefined)
      .finally(() => cleanup.disconnect());
  }
}
