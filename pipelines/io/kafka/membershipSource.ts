import { randomUUID } from 'node:crypto';
import { Consumer, Kafka } from 'kafkajs';
import { DerstreamError } from '../../errors';
import { GroupVersion } from '../../membership/groupVersion';
import { readGroupsMessage } from '../../membership/parseGroupsMessage';
import { topicEnds } from './topicEnds';
import { FETCH_WAIT_MS } from './kafkaClient';

/**
 * Follows the compacted `der.groups` topic: at start-up it reads it from the beginning
 * to its current end (the whole current membership), then keeps applying changes as
 * they come, each version with its record's partition and offset. It commits nothing:
 * every instance rebuilds the full state each start.
 * A record that does not parse, or whose XML is not valid against the DERGroups
 * schemas, is reported through `onInvalid` and skipped.
 */
export async function followMembership(
  kafka: Kafka,
  topic: string,
  apply: (version: GroupVersion, partition: number, offset: bigint) => void,
  onInvalid: (error: DerstreamError, position: string) => void,
): Promise<Consumer> {
  const ends = await topicEnds(kafka, topic);
  const remaining = new Map(ends.filter((p) => p.high !== p.low).map((p) => [p.partition, BigInt(p.high)]));

  const consumer = kafka.consumer({
    groupId: `derstream-membership-${randomUUID()}`,
    maxWaitTimeInMs: FETCH_WAIT_MS,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let caughtUp!: () => void;
  const ready = new Promise<void>((resolve) => (caughtUp = resolve));
  if (remaining.size === 0) caughtUp();
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      if (message.value !== null) {
        try {
          const offset = BigInt(message.offset);
          for (const version of await readGroupsMessage(message.value)) apply(version, partition, offset);
        } catch (error) {
          if (!(error instanceof DerstreamError)) throw error;
          onInvalid(error, `${topic}/${partition}/${message.offset}`);
        }
      }
      const high = remaining.get(partition);
      if (high !== undefined && BigInt(message.offset) + 1n >= high) {
        remaining.delete(partition);
        if (remaining.size === 0) caughtUp();
      }
    },
  });
  await ready;
  return consumer;
}
