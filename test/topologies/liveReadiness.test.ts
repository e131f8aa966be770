import { ClickhouseExecutor, openClickhouse } from '../../pipelines/io/clickhouse/clickhouseExecutor';
import { checkReadiness } from '../../pipelines/io/http/readiness';
import { LiveHealth, liveReadiness } from '../../topologies/liveReadiness';
import { testConfig } from '../support/services';

/** The /readyz checks of `derstream run` against the real registry and a chDB of its own. */
describe('liveReadiness', () => {
  const config = testConfig();
  let clickhouse: ClickhouseExecutor;
  beforeAll(async () => {
    clickhouse = await openClickhouse(config.clickhouse);
  });
  afterAll(() => clickhouse.close());

  const report = async (health: LiveHealth) =>
    checkReadiness(liveReadiness(health, config.registry, clickhouse, 60_000), 5000);
  const detail = (r: Awaited<ReturnType<typeof report>>, name: string) =>
    r.checks.find((c) => c.name === name)?.detail;

  it('is ready once every consumer has joined, the registry and ClickHouse answer', async () => {
    const health = new LiveHealth(['telemetry', 'partials']);
    const before = await report(health);
    expect(before.failed).toEqual(['kafka']);
    expect(detail(before, 'kafka')).toBe('telemetry, partials consumer not in its group');

    health.setJoined('telemetry', true);
    expect(detail(await report(health), 'kafka')).toBe('partials consumer not in its group');
    health.setJoined('partials', true);
    const ready = await report(health);
    expect(ready).toMatchObject({ ready: true, failed: [] });
    expect(detail(ready, 'schema-registry')).toBe('HTTP 200');
    expect(detail(ready, 'clickhouse')).toBe(clickhouse.description);
  });

  it('fails the kafka check when the broker has been silent for over 15 s', async () => {
    const health = new LiveHealth(['telemetry']);
    health.setJoined('telemetry', true);
    health.brokerSeenAt = Date.now() - 20_000;
    const silent = await report(health);
    expect(silent.failed).toEqual(['kafka']);
    expect(detail(silent, 'kafka')).toMatch(/^no answer from the broker for 2\d s$/);
    health.brokerSeen();
    expect((await report(health)).ready).toBe(true);
  });

  it('fails the watermark check when it has not advanced for five windows', async () => {
    const health = new LiveHealth(['telemetry']);
    health.setJoined('telemetry', true);
    health.watermarkIs(1_000_000);
    health.watermarkMovedAt = Date.now() - 400_000;
    health.watermarkIs(1_000_000);
    expect((await report(health)).failed).toEqual(['watermark']);
    health.watermarkIs(1_060_000);
    expect((await report(health)).ready).toBe(true);

    // An instance merging no partition has no watermark to watch.
    health.watermarkMovedAt = Date.now() - 400_000;
    health.noWatermarkHeld();
    expect((await report(health)).ready).toBe(true);
  });
});
