import { Kafka } from 'kafkajs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  isWarmUpRecord,
  warmSegmentIndexes,
  WARM_UP_HEADER,
} from '../../../benchmarks/harness/segmentIndexWarmUp';
import { createKafka } from '../../../pipelines/io/kafka/kafkaClient';
import { runId, testConfig } from '../../support/services';

/** The local stack's broker keeps its logs here (ops/stack.sh: $DERSTREAM_STACK_DIR/kafka/data). */
const brokerData = join(
  process.env.DERSTREAM_STACK_DIR ?? join(__dirname, '../../../.stack/local'),
  'kafka/data',
);

/** The first entry of a partition's first segment's offset index: [relative offset, position]. */
function firstIndexEntry(topic: string, partition: number): [number, number] {
  const index = readFileSync(join(brokerData, `${topic}-${partition}`, '00000000000000000000.index'));
  return [index.readInt32BE(0), index.readInt32BE(4)];
}

describe('warmSegmentIndexes', () => {
  const topic = { name: `test-${runId()}.warm-up`, partitions: 3 };
  let kafka: Kafka;

  beforeAll(async () => {
    kafka = createKafka(testConfig().kafka);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: topic.name, numPartitions: 3 }] });
    await admin.disconnect();
  });

  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic.name] });
    await admin.disconnect();
  });

  it("has the broker index every partition's fresh segment, with two marked records each", async () => {
    for (let partition = 0; partition < 3; partition++)
      expect(firstIndexEntry(topic.name, partition)).toEqual([0, 0]);

    await warmSegmentIndexes(kafka, [topic]);

    for (let partition = 0; partition < 3; partition++) {
      const [relativeOffset, position] = firstIndexEntry(topic.name, partition);
      // The second record, found where the first one's batch ends.
      expect(relativeOffset).toBe(1);
      expect(position).toBeGreaterThan(8192);
    }
    const consumer = kafka.consumer({ groupId: `${topic.name}.reader` });
    await consumer.connect();
    await consumer.subscribe({ topic: topic.name, fromBeginning: true });
    const read: { partition: number; bytes: number; warmUp: boolean }[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          read.push({
            partition,
            bytes: message.value?.length ?? 0,
            warmUp: isWarmUpRecord(message.headers),
          });
          if (read.length === 6) resolve();
        },
      });
    });
    await consumer.disconnect();
    for (let partition = 0; partition < 3; partition++)
      expect(read.filter((r) => r.partition === partition)).toEqual([
        { partition, bytes: 8192, warmUp: true },
        { partition, bytes: 0, warmUp: true },
      ]);
  });

  it('tells a warm-up record from any other by its header', () => {
    expect(isWarmUpRecord({ [WARM_UP_HEADER]: Buffer.from('segment index') })).toBe(true);
    expect(isWarmUpRecord({ 'derstream-window-end': Buffer.from('1') })).toBe(false);
    expect(isWarmUpRecord(undefined)).toBe(false);
  });
});
