import { Kafka } from 'kafkajs';

/** kafkajs's names for "this broker does not lead that partition (yet)". */
const LEADERSHIP_MOVING = new Set(['NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE']);
const ATTEMPTS = 8;
const FIRST_PAUSE_MS = 100;

/**
 * Each partition's first and next offsets (`low`, `high`) of `topic`, as
 * `admin.fetchTopicOffsets` gives them, tried again while the partitions' leadership
 * settles: for a topic created a moment before (its leaders just elected, which
 * kafkajs's `waitForLeaders` does not always cover) or a leader that moved (a broker
 * restarting). kafkajs retries the call only for an unknown topic and gives up at once
 * on these, which stopped `derstream run` at start-up. Each try uses a new admin
 * client, so it asks the cluster afresh who leads; after about 25 s the error is
 * rethrown.
 */
export async function topicEnds(
  kafka: Kafka,
  topic: string,
): Promise<{ partition: number; low: string; high: string }[]> {
  for (let attempt = 1; ; attempt++) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      return (await admin.fetchTopicOffsets(topic)).map(({ partition, low, high }) => ({
        partition,
        low,
        high,
      }));
    } catch (error) {
      const type = (error as { type?: unknown }).type;
      if (attempt >= ATTEMPTS || typeof type !== 'string' || !LEADERSHIP_MOVING.has(type)) throw error;
    } finally {
      await admin.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, FIRST_PAUSE_MS * 2 ** (attempt - 1)));
  }
}
