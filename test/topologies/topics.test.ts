import { connectAdmin, createKafka } from '../../pipelines/io/kafka/kafkaClient';
import { TopicMismatchError, ensureTopics } from '../../pipelines/io/kafka/topicSetup';
import { TOPICS } from '../../topologies/topics';
import { runId, testConfig } from '../support/services';

describe('topics declared as data, created on the real broker', () => {
  it('declares what the pipeline needs', () => {
    expect(TOPICS.telemetry).toMatchObject({ name: 'der.telemetry', partitions: 12, compacted: false });
    expect(TOPICS.groups).toMatchObject({ name: 'der.groups', compacted: true });
    expect(Object.values(TOPICS).map((topic) => topic.name)).toEqual(
      expect.arrayContaining([
        'der.dead-letter',
        'der.late',
        'dms.DERGroupStatuses',
        'dms.DERGroupForecasts',
        'dms.requests',
        'dms.replies',
      ]),
    );
  });

  it('creates the missing ones with their partitions and cleanup policy; a second run changes nothing', async () => {
    const config = testConfig();
    const admin = await connectAdmin(createKafka(config.kafka), config.kafka);
    const tag = runId();
    const specs = [
      { ...TOPICS.telemetry, name: `test.${tag}.telemetry` },
      { ...TOPICS.groups, name: `test.${tag}.groups` },
      { ...TOPICS.deviceReadings, name: `test.${tag}.device-readings` },
    ];
    try {
      expect(await ensureTopics(admin, specs)).toEqual({ created: specs.map((s) => s.name), existing: [] });
      expect(await ensureTopics(admin, specs)).toEqual({ created: [], existing: specs.map((s) => s.name) });
      const metadata = await admin.fetchTopicMetadata({ topics: [specs[0]!.name] });
      expect(metadata.topics[0]!.partitions).toHaveLength(12);
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: specs[1]!.name, configNames: ['cleanup.policy', 'retention.ms'] }],
      });
      const entries = Object.fromEntries(
        configs.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]),
      );
      expect(entries).toEqual({ 'cleanup.policy': 'compact', 'retention.ms': '-1' });
      const changelog = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          { type: 2, name: specs[2]!.name, configNames: ['cleanup.policy', 'min.compaction.lag.ms'] },
        ],
      });
      expect(
        Object.fromEntries(changelog.resources[0]!.configEntries.map((e) => [e.configName, e.configValue])),
      ).toEqual({ 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '86400000' });

      const wider = [{ ...specs[0]!, partitions: 24 }];
      await expect(ensureTopics(admin, wider)).rejects.toThrow(TopicMismatchError);
    } finally {
      await admin.deleteTopics({ topics: specs.map((s) => s.name) });
      await admin.disconnect();
    }
  });
});
