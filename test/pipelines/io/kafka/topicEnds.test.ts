import { Admin, Kafka } from 'kafkajs';
import { connectAdmin, createKafka } from '../../../../pipelines/io/kafka/kafkaClient';
import { topicEnds } from '../../../../pipelines/io/kafka/topicEnds';
import { runId, testConfig } from '../../../support/services';

describe("a topic's ends on the real broker", () => {
  const config = testConfig();
  let kafka: Kafka;
  let admin: Admin;
  beforeAll(async () => {
    kafka = createKafka(config.kafka);
    admin = await connectAdmin(kafka, config.kafka);
  });
  afterAll(async () => {
    await admin.disconnect();
  });

  it('are read as soon as a topic is created, while its leaders are still being elected', async () => {
    // Asked at once, the broker answers about half of these NOT_LEADER_FOR_PARTITION,
    // which kafkajs's fetchTopicOffsets does not try again.
    const topics = Array.from({ length: 10 }, (_, i) => `test-${runId()}.ends-${i}`);
    for (const topic of topics) {
      await admin.createTopics({ waitForLeaders: false, topics: [{ topic, numPartitions: 3 }] });
      expect((await topicEnds(kafka, topic)).sort((a, b) => a.partition - b.partition)).toEqual(
        [0, 1, 2].map((partition) => ({ partition, low: '0', high: '0' })),
      );
    }
  });

  it('gives the next offset of each partition', async () => {
    const topic = `test-${runId()}.ends`;
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [0, 0, 1].map((partition) => ({ partition, value: 'x' })) });
    await producer.disconnect();
    const ends = await topicEnds(kafka, topic);
    expect(ends.sort((a, b) => a.partition - b.partition)).toEqual([
      { partition: 0, low: '0', high: '2' },
      { partition: 1, low: '0', high: '1' },
    ]);
  });

  it('rethrows what is not a leadership change at once', async () => {
    const started = Date.now();
    await expect(
      topicEnds(createKafka(config.kafka, { retries: 0 }), `test-${runId()}.missing`),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
