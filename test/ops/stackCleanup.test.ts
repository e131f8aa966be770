import { Admin } from 'kafkajs';
import { connectAdmin, createKafka } from '../../pipelines/io/kafka/kafkaClient';
import { connectRegistry, registerAvroSchema } from '../../pipelines/io/registry/schemaRegistry';
import { telemetrySchema } from '../../pipelines/io/registry/telemetrySchemas';
import { removeRunFromStack } from '../../ops/stackCleanup';
import { runId, testConfig } from '../support/services';

describe('removing a run from the real stack', () => {
  const config = testConfig();
  let admin: Admin;
  beforeAll(async () => {
    admin = await connectAdmin(createKafka(config.kafka), config.kafka);
  });
  afterAll(async () => {
    await admin.disconnect();
  });

  const subjects = async () =>
    (await (await fetch(`${config.registry.url.toString().replace(/\/$/, '')}/subjects`)).json()) as string[];
  const groups = async () => (await admin.listGroups()).groups.map((g) => g.groupId);

  it("deletes the run's topics, consumer groups and subjects, and nothing of another run", async () => {
    const run = `test-${runId()}`;
    const other = `test-${runId()}`;
    const names = (prefix: string) => ({
      topic: `${prefix}.telemetry`,
      group: `${prefix}-reader`,
      subject: `${prefix}.telemetry-value`,
    });
    const ours = names(run);
    const theirs = names(other);
    await admin.createTopics({
      topics: [ours.topic, theirs.topic].map((topic) => ({ topic, numPartitions: 2 })),
      waitForLeaders: true,
    });
    const registry = await connectRegistry(config.registry);
    for (const { topic, group, subject } of [ours, theirs]) {
      await registerAvroSchema(registry, subject, telemetrySchema(1));
      // Committed offsets are what keeps a consumer group on the broker after its consumers leave.
      await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '0' }] });
    }
    expect(await admin.listTopics()).toEqual(expect.arrayContaining([ours.topic, theirs.topic]));
    expect(await groups()).toEqual(expect.arrayContaining([ours.group, theirs.group]));
    expect(await subjects()).toEqual(expect.arrayContaining([ours.subject, theirs.subject]));

    const { topicsLeft } = await removeRunFromStack(admin, config.registry, (name) => name.startsWith(run));

    expect(topicsLeft).toEqual([]);
    expect(await admin.listTopics()).not.toContain(ours.topic);
    expect(await groups()).not.toContain(ours.group);
    expect(await subjects()).not.toContain(ours.subject);
    expect(await admin.listTopics()).toContain(theirs.topic);
    expect(await groups()).toContain(theirs.group);
    expect(await subjects()).toContain(theirs.subject);

    await removeRunFromStack(admin, config.registry, (name) => name.startsWith(other));
    expect(await admin.listTopics()).not.toContain(theirs.topic);
  });
});
