import { Consumer, Kafka, Producer } from 'kafkajs';
import { DerstreamError, ServiceUnavailableError } from '../../pipelines/errors';
import { PipelineMetrics } from '../../pipelines/io/http/pipelineMetrics';
import { connectAdmin, createKafka } from '../../pipelines/io/kafka/kafkaClient';
import { LivePublisher } from '../../topologies/livePublisher';
import { LiveHealth } from '../../topologies/liveReadiness';
import { runId, testConfig } from '../support/services';

/** The writes of `derstream run` against the real broker, with a consumer of its own. */
describe('LivePublisher', () => {
  const config = testConfig();
  const tag = runId();
  const topic = `test-${tag}.publisher`;
  const kafka: Kafka = createKafka(config.kafka);
  let producer: Producer;
  let consumer: Consumer;
  beforeAll(async () => {
    const admin = await connectAdmin(kafka, config.kafka);
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    consumer = kafka.consumer({ groupId: `test-${tag}-publisher` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async () => undefined });
  });
  afterAll(async () => {
    await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
    const admin = await connectAdmin(kafka, config.kafka);
    await admin.deleteTopics({ topics: [topic] });
    await admin.deleteGroups([`test-${tag}-publisher`]).catch(() => undefined);
    await admin.disconnect();
  });

  const publisherWith = (log: string[]) => {
    const metrics = new PipelineMetrics();
    const health = new LiveHealth(['publisher']);
    const publisher = new LivePublisher({
      producer,
      metrics,
      health,
      consuming: [{ consumer, topic }],
      log: (line) => log.push(line),
      signal: new AbortController().signal,
    });
    const paused = async () => (await metrics.consumerPaused.get()).values[0]?.value;
    return { publisher, metrics, health, paused };
  };

  it('sends more than one request holds, every message acknowledged', async () => {
    const { publisher, health } = publisherWith([]);
    health.brokerSeenAt = 0;
    const value = Buffer.alloc(1024, 'x');
    await publisher.send([
      { topic, messages: Array.from({ length: 3000 }, (_, i) => ({ key: String(i), value })) },
      { topic, messages: [] },
    ]);
    const admin = await connectAdmin(kafka, config.kafka);
    const [end] = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
    expect(end?.high).toBe('3000');
    expect(health.brokerSeenAt).toBeGreaterThan(0);
  });

  it('pauses consuming while a write is retried, until resumed', async () => {
    const log: string[] = [];
    const { publisher, paused } = publisherWith(log);
    const seen: { pausedTopics: string[]; metric: number | undefined }[] = [];
    let tries = 0;
    await publisher.retry('writing statuses to ClickHouse', async () => {
      seen.push({ pausedTopics: consumer.paused().map((p) => p.topic), metric: await paused() });
      if (++tries < 3)
        throw new ServiceUnavailableError('clickhouse', 'DERSTREAM_CLICKHOUSE_URL', 'memory limit');
    });
    expect(seen).toEqual([
      { pausedTopics: [], metric: 0 },
      { pausedTopics: [topic], metric: 1 },
      { pausedTopics: [topic], metric: 1 },
    ]);
    publisher.resume();
    expect(consumer.paused()).toEqual([]);
    expect(await paused()).toBe(0);
    expect(log.filter((line) => line.startsWith('run: consuming'))).toEqual([
      'run: consuming paused until the writes in hand succeed',
      'run: consuming resumed',
    ]);
  });

  it('gives up at once on a write that says trying again cannot help', async () => {
    const { publisher, paused } = publisherWith([]);
    let tries = 0;
    await expect(
      publisher.retry('writing statuses to ClickHouse', () => {
        tries++;
        return Promise.reject(new DerstreamError('CLICKHOUSE_QUERY_FAILED', 'no such table', false));
      }),
    ).rejects.toThrow('no such table');
    expect(tries).toBe(1);
    expect(consumer.paused()).toEqual([]);
    expect(await paused()).toBe(0);
  });

  it('logs a failed commit and goes on', async () => {
    const log: string[] = [];
    const { publisher } = publisherWith(log);
    // A consumer that never ran cannot commit: kafkajs refuses.
    const idle = kafka.consumer({ groupId: `test-${tag}-publisher` });
    await publisher.commit(idle, topic, [{ partition: 0, offset: 1n, metadata: '{}' }]);
    expect(log).toEqual([
      expect.stringMatching(new RegExp(`^run: commit of ${topic} failed, the next one covers it: `)),
    ]);
  });
});
