import { GroupStatus } from '../../pipelines/aggregate/groupStatus';
import { LiveInstance } from '../support/liveInstance';
import {
  LiveFixture,
  partitionsApart,
  statusKey,
  upTo,
  waitFor,
  withInstanceLogs,
} from '../support/liveFixture';

/**
 * `DERSTREAM_SCALE_OUT=partials`: two instances share the 12 telemetry partitions and
 * the 12 partials partitions, a third joins mid-run, one leaves with SIGTERM and one is
 * killed with SIGKILL; the deduplicated statuses on the topic, and the union of the
 * instances' ClickHouse, equal those of one process on the same readings (the replay,
 * which the live test shows equal to an uninterrupted live run). Each instance serves
 * its HTTP side, ready once it has joined.
 */
describe('derstream run scaled out over three instances', () => {
  const fixture = new LiveFixture({
    devices: 1000,
    groups: 24,
    minutes: 25,
    seed: 33,
    env: {
      DERSTREAM_SCALE_OUT: 'partials',
      // A killed consumer holds its partitions until its session times out: keep that short.
      DERSTREAM_KAFKA_SESSION_TIMEOUT: '6s',
      // Small batches: many commits over the run, so the rebalances land between two of them.
      DERSTREAM_KAFKA_FETCH_BYTES: '32768',
    },
  });
  afterAll(() => fixture.tearDown());

  /** An instance with a chDB of its own (chDB is one data directory per process). */
  const start = (name: string) => fixture.start(name, { DERSTREAM_CHDB_PATH: fixture.chdbPath(name) });

  /** Waits until the instance's `/readyz` answers 200, and gives its last answer. */
  async function ready(instance: LiveInstance): Promise<{ status: number; body: unknown }> {
    const url = await instance.httpUrl();
    let last = { status: 0, body: undefined as unknown };
    await waitFor(
      `${instance.name}'s /readyz to answer 200`,
      async () => {
        const response = await fetch(`${url}/readyz`);
        last = { status: response.status, body: await response.json() };
        return response.status === 200;
      },
      60_000,
      250,
    );
    return last;
  }

  it('gives the statuses of one instance while instances join, leave and crash', async () => {
    await fixture.setUp();
    const part = (share: number) => Math.floor(share * fixture.arrivals.length);
    // Produced in three parts as the instances come and go, so each rebalance has work after it.
    await fixture.produce(0, part(0.4));
    const replayed = await fixture.replayed();
    const windows = new Set([...replayed.values()].map((s) => s.windowEnd)).size;
    const lastWindow = fixture.end - 60_000;
    const expected = upTo(replayed, lastWindow);
    // Every status version on the topic, from every instance: a repeat must be the same bytes.
    const reader = await fixture.followStatuses();

    const [a, b] = [start('a'), start('b')];
    let c: LiveInstance | undefined;
    let atJoin = 0;
    let atKill = 0;
    let metricsOfC = '';
    let readyA: Awaited<ReturnType<typeof ready>> | undefined;
    try {
      readyA = await ready(a);
      await ready(b);
      await waitFor('two windows on the status topic', () => reader.windows >= 2, 90_000, 50);
      atJoin = reader.windows;
      const third = (c = start('c'));
      await waitFor(
        'c to resume telemetry partitions',
        () => third.output.includes('scaled: resumed telemetry'),
        60_000,
      );
      await ready(third);
      await fixture.produce(part(0.4), part(0.55));
      await a.stop('SIGTERM');
      const atLeave = reader.windows;
      // Readings of later windows than any out when a left: one of them must come out after.
      await fixture.produce(part(0.55), part(0.7));
      await waitFor('a window after a left', () => reader.windows > atLeave, 120_000, 50);
      await b.stop('SIGKILL');
      atKill = reader.windows;
      await fixture.produce(part(0.7), part(1));
      // The last window is never emitted: live has no end of input. Every status before it
      // is, those of the groups b merged too, once its partitions are taken over.
      await waitFor(
        'every status but those of the last window',
        () => upTo(reader.latest, lastWindow).size >= expected.size,
        120_000,
        50,
      );
      await new Promise((r) => setTimeout(r, 1000));
      metricsOfC = await (await fetch(`${await third.httpUrl()}/metrics`)).text();
      await third.stop('SIGTERM');
    } catch (error) {
      throw withInstanceLogs(error, reader, [a, b, c]);
    } finally {
      await reader.stop();
    }
    expect(readyA?.body).toMatchObject({ ready: true, failed: [] });
    // The pipeline's metrics that apply to a partial producer and merge.
    const sample = (name: string) =>
      Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(metricsOfC)?.[1]);
    expect(sample('derstream_readings_total{result="valid"}')).toBeGreaterThan(0);
    expect(sample('derstream_statuses_emitted_total{verb="created"}')).toBeGreaterThan(0);
    expect(sample('derstream_clickhouse_inserted_rows_total{table="group_statuses"}')).toBeGreaterThan(0);
    expect(sample('derstream_consumer_paused')).toBe(0);
    expect(metricsOfC).toMatch(
      /^derstream_consumer_lag_records\{topic="[^"]+\.der\.partials",partition="\d+"\} \d+$/m,
    );
    // The rebalances happened while windows were still to come.
    expect(atJoin).toBeLessThan(windows - 1);
    expect(atKill).toBeLessThan(windows - 1);

    expect(reader.differingRepeats).toEqual([]);
    expect(upTo(reader.latest, lastWindow)).toEqual(expected);

    // Each merge owner wrote its groups' statuses to its own ClickHouse: together, all of them.
    const stored = new Map<string, GroupStatus>();
    for (const name of ['a', 'b', 'c'])
      for (const status of (await fixture.stored(fixture.chdbPath(name))).values()) {
        const other = stored.get(statusKey(status));
        if (!other || other.version < status.version) stored.set(statusKey(status), status);
      }
    expect(upTo(stored, lastWindow)).toEqual(expected);
  }, 300_000);
});

/**
 * Watermark alignment scaled out ({@link partitionsApart}): one instance, whose merges
 * see the pipeline's watermark, pauses the telemetry partitions running more than a
 * window ahead of it and resumes them once the others go idle; the statuses are the
 * replay's.
 */
describe('derstream run scaled out with partitions far ahead of the others', () => {
  const fixture = new LiveFixture(partitionsApart({ DERSTREAM_SCALE_OUT: 'partials' }));
  afterAll(() => fixture.tearDown());

  it('pauses them, resumes them once the others go idle, and gives the statuses replay gives', async () => {
    const { lastWindow, expected, reader } = await fixture.readyToRun();
    expect(expected.size).toBeGreaterThanOrEqual(4 * 11);
    const instance = fixture.start('a');
    let metrics = '';
    try {
      await waitFor(
        'every window up to the last on the status topic',
        () => upTo(reader.latest, lastWindow).size >= expected.size,
        90_000,
      );
      metrics = await (await fetch(`${await instance.httpUrl()}/metrics`)).text();
      await instance.stop('SIGTERM');
    } catch (error) {
      throw withInstanceLogs(error, reader, [instance]);
    } finally {
      await reader.stop();
    }
    const pauses = Number(/^derstream_partition_lead_pauses_total (\S+)$/m.exec(metrics)?.[1]);
    expect(pauses).toBeGreaterThanOrEqual(1);
    expect(upTo(reader.latest, lastWindow)).toEqual(expected);
    expect(upTo(await fixture.stored(), lastWindow)).toEqual(expected);
  });
});
