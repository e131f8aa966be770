import { connectAdmin } from '../../pipelines/io/kafka/kafkaClient';
import { TelemetryRows } from '../../pipelines/io/clickhouse/telemetryRows';
import { openLiveServices } from '../../topologies/liveServices';
import { LiveFixture, waitFor } from '../support/liveFixture';
import { reading } from '../support/readings';

/** What every `derstream run` instance opens, against the real broker, registry and a chDB of its own. */
describe('openLiveServices', () => {
  const fixture = new LiveFixture({
    devices: 20,
    groups: 3,
    minutes: 1,
    seed: 4,
    env: { DERSTREAM_KAFKA_SESSION_TIMEOUT: '6s' },
  });
  afterAll(() => fixture.tearDown());

  it('follows the groups, migrates ClickHouse and counts its inserts', async () => {
    const { config } = fixture;
    await fixture.setUp();
    const log: string[] = [];
    const services = await openLiveServices(config, { log: (line) => log.push(line) });
    try {
      const admin = await connectAdmin(fixture.kafka, config.kafka);
      const topics = await admin.listTopics().finally(() => admin.disconnect());
      expect(topics).toEqual(expect.arrayContaining(Object.values(config.topics).map((t) => t.name)));
      expect(services.membership.groupIds().sort()).toEqual(fixture.fleet.groups.map((g) => g.mRID).sort());
      expect(log).toContain(`groups: 3 groups from ${config.topics.groups.name}`);
      // kafkajs's heartbeat must stay below a third of the session timeout.
      expect(services.heartbeatIntervalMs).toBe(2000);

      await services.sink.writeTelemetry(
        TelemetryRows.of([
          {
            reading: reading('d1', 60_000),
            disposition: 'valid',
            partition: 0,
            offset: 0,
            index: 0,
            receivedAt: 1,
          },
        ]),
      );
      // The groups' versions go to the membership history behind the reading.
      const rowsOf = async (table: string) =>
        (await services.metrics.clickhouseInsertedRows.get()).values.find((v) => v.labels.table === table)
          ?.value;
      await waitFor(
        'the membership history written',
        async () => (await rowsOf('group_membership_history')) === 3,
        30_000,
      );
      expect(await rowsOf('telemetry')).toBe(1);
      expect(await services.clickhouse.query('SELECT count() AS n FROM telemetry')).toEqual([{ n: 1 }]);
    } finally {
      await services.close();
    }
  });
});
