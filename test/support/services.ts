import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka } from 'kafkajs';
import { connectAdmin } from '../../pipelines/io/kafka/kafkaClient';
import { KafkaConfig } from '../../pipelines/io/kafka/kafkaConfig';
import { DerstreamConfig, loadConfig } from '../../topologies/config';
import { TEST_RUN_SETTING } from './testRun';

/**
 * The real services the integration tests talk to: the local stack that ops/test.sh
 * starts (or whatever the DERSTREAM_* settings point at), with chDB on a fresh
 * temporary directory per call.
 */
export function testConfig(): DerstreamConfig {
  return loadConfig({ ...process.env, DERSTREAM_CHDB_PATH: mkdtempSync(join(tmpdir(), 'derstream-chdb-')) });
}

/**
 * A short id to keep one test's records apart from every other run's. It begins with
 * the jest run's tag (test/support/testRun.ts), so every topic, consumer group and
 * subject named with it is removed when the run ends.
 */
export function runId(): string {
  return `${process.env[TEST_RUN_SETTING] ?? ''}${randomUUID().slice(0, 6)}`;
}

/** In a describe block: `topic` made with `partitions` before its tests, and deleted after them. */
export function topicForTests(
  kafka: Kafka,
  kafkaConfig: KafkaConfig,
  topic: string,
  partitions: number,
): void {
  beforeAll(async () => {
    const admin = await connectAdmin(kafka, kafkaConfig);
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
    await admin.disconnect();
  });
  afterAll(async () => {
    const admin = await connectAdmin(kafka, kafkaConfig);
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });
}
