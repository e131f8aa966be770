import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from 'avsc';
import { createFleet, fleetReadings } from '../../benchmarks/simulator/fleet';
import { produceReadings, publishFleetGroups } from '../../benchmarks/simulator/fleetProducer';
import { gatewayBatches } from '../../benchmarks/simulator/gatewayBatches';
import { GroupStatus } from '../../pipelines/aggregate/groupStatus';
import { IssuedForecast } from '../../pipelines/forecast/issuedForecast';
import { openClickhouse } from '../../pipelines/io/clickhouse/clickhouseExecutor';
import { ClickhouseSink } from '../../pipelines/io/clickhouse/clickhouseSink';
import { connectAdmin, createKafka } from '../../pipelines/io/kafka/kafkaClient';
import { HEADERS } from '../../pipelines/io/kafka/outputRecords';
import { ensureTopics } from '../../pipelines/io/kafka/topicSetup';
import { encodeConfluent } from '../../pipelines/io/registry/confluentWire';
import { connectRegistry, registerAvroSchema } from '../../pipelines/io/registry/schemaRegistry';
import {
  batchSubject,
  telemetryBatchSchema,
  telemetrySchema,
  valueSubject,
} from '../../pipelines/io/registry/telemetrySchemas';
import { TelemetryReading } from '../../pipelines/telemetryReading';
import { defaultSemantics } from '../../pipelines/statusEngine';
import { defaultForecastSettings } from '../../pipelines/forecast/forecastConfig';
import { DerstreamConfig, loadConfig } from '../../topologies/config';
import { LiveCounts, runLive } from '../../topologies/live';
import { replay } from '../../topologies/replay';
import { forecastEvents } from '../../pipelines/translate/forecastEvents';
import { reading } from '../support/readings';
import { runId } from '../support/services';
import { derstream } from '../support/cli';
import {
  everyWindowOnTopic,
  LiveFixture,
  partitionsApart,
  upTo,
  waitFor,
  withRunLog,
} from '../support/liveFixture';
import { xmllintTexts } from '../support/xmllint';

/** A config of one test's own: topics, chDB, consumer group; HTTP on any free port. */
function testConfig(tag: string, dir: string, settings: Record<string, string> = {}): DerstreamConfig {
  return loadConfig({
    ...process.env,
    DERSTREAM_TOPIC_PREFIX: `test-${tag}.`,
    DERSTREAM_CHDB_PATH: join(dir, 'chdb'),
    DERSTREAM_CONSUMER_GROUP: `test-${tag}`,
    DERSTREAM_HTTP_PORT: '0',
    ...settings,
  });
}

/** Runs the live pipeline until `done` says so (or 90 s pass). */
async function runUntil(config: DerstreamConfig, done: (counts: LiveCounts) => boolean): Promise<LiveCounts> {
  const controller = new AbortController();
  const log: string[] = [];
  const finished = runLive(config, {
    semantics: config.semantics,
    consumerGroup: config.consumerGroup,
    maxMessageBytes: 4096,
    log: (line) => log.push(line),
    signal: controller.signal,
    onProgress: (counts) => {
      if (done(counts)) controller.abort();
    },
  });
  const timer = setTimeout(() => controller.abort(), 90_000);
  try {
    return await finished;
  } finally {
    clearTimeout(timer);
  }
}

/** The final statuses of a replay of these readings (the live test below shows live equal to it). */
async function replayedStatuses(dir: string, readings: readonly TelemetryReading[], groups: object) {
  writeFileSync(join(dir, 'groups.json'), JSON.stringify(groups));
  writeFileSync(join(dir, 'telemetry.ndjson'), readings.map((r) => JSON.stringify(r)).join('\n') + '\n');
  await replay({
    telemetry: join(dir, 'telemetry.ndjson'),
    groups: join(dir, 'groups.json'),
    out: join(dir, 'replay'),
    semantics: defaultSemantics(),
    forecasts: defaultForecastSettings(),
  });
  return readFileSync(join(dir, 'replay', 'statuses.ndjson'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as GroupStatus);
}

/**
 * The live pipeline on real Kafka, the real registry and chDB gives, per group and
 * window, the same final statuses as the replay of the same readings. The input rules
 * out partition-driven differences: no late data, disorder within B.
 */
describe('derstream run on the real stack', () => {
  const tag = runId();
  const dir = mkdtempSync(join(tmpdir(), 'derstream-live-'));
  let config: DerstreamConfig;

  beforeAll(() => {
    config = testConfig(tag, dir);
  });

  it('gives the statuses replay gives, in ClickHouse and on the status topic, and dead-letters bad records', async () => {
    const kafka = createKafka(config.kafka);
    const admin = await connectAdmin(kafka, config.kafka);
    await ensureTopics(admin, Object.values(config.topics));
    await admin.disconnect();
    const registry = await connectRegistry(config.registry);
    const schemaId = await registerAvroSchema(
      registry,
      valueSubject(config.topics.telemetry.name),
      telemetrySchema(1),
    );
    const type = Type.forSchema(telemetrySchema(1) as never);

    // 20 minutes of a 300-device fleet, ending 10 minutes ago, with duplicates but nothing late.
    const fleet = createFleet({ devices: 300, groups: 8, seed: 11 });
    const end = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
    const arrivals = [
      ...fleetReadings(fleet, {
        start: end - 20 * 60_000,
        end,
        seed: 5,
        duplicateShare: 0.01,
        jitterMs: 2000,
      }),
    ];

    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await publishFleetGroups(kafka, config.topics.groups.name, fleet);
    const bad = [
      { key: 'x1', value: Buffer.from('not avro at all') },
      { key: 'x2', value: Buffer.from([0, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3]) },
      { key: 'x3', value: encodeConfluent(schemaId, type, { ...arrivals[0]![1], stateOfCharge: 250 }) },
      { key: 'x4', value: Buffer.concat([encodeConfluent(schemaId, type, arrivals[0]![1]).subarray(0, 9)]) },
      { key: 'x5', value: Buffer.alloc(5000, 1) },
      { key: 'x6', value: encodeConfluent(schemaId, type, { ...arrivals[0]![1], activePower: NaN }) },
      {
        key: 'x7',
        value: encodeConfluent(schemaId, type, { ...arrivals[0]![1], ts: Date.now() + 3_600_000 }),
      },
    ];
    await producer.send({ topic: config.topics.telemetry.name, messages: bad });
    await producer.disconnect();
    await produceReadings(kafka, arrivals, {
      topic: config.topics.telemetry.name,
      schemaId,
      type,
      paced: false,
    });

    const total = arrivals.length + bad.length;
    const counts = await runUntil(config, (c) => c.valid + c.invalid + c.late >= total);
    expect(counts).toMatchObject({ valid: arrivals.length, invalid: bad.length, late: 0 });

    const replayed = await replayedStatuses(
      dir,
      arrivals.map(([, r]) => r),
      { groups: fleet.groups },
    );

    const clickhouse = await openClickhouse(config.clickhouse);
    const stored = await new ClickhouseSink(clickhouse).latestStatuses();
    const liveForecasts = await new ClickhouseSink(clickhouse).latestForecasts({
      groupIds: [],
      parameters: [...defaultForecastSettings().parameters],
    });
    const [telemetryRows] = await clickhouse.query<{ n: number }>('SELECT count() AS n FROM telemetry FINAL');
    // The membership's history: each group's version as published, one row a member.
    const memberships = await clickhouse.query<{
      group: string;
      from: number;
      device: string;
      power: number | null;
    }>(
      `SELECT group_id AS group, toUnixTimestamp64Milli(effective_from) AS from,
              members.device_id AS device, members.rated_power AS power
       FROM group_membership_history FINAL ARRAY JOIN members ORDER BY group, device`,
    );
    await clickhouse.close();
    expect(telemetryRows!.n).toBe(arrivals.length);
    const published = fleet.groups
      .flatMap((g) =>
        (g.members ?? []).map((m) => ({
          group: g.mRID,
          from: g.effectiveFrom ?? 0,
          device: m.deviceId,
          power: m.ratedPower ?? null,
        })),
      )
      .sort((a, b) => (a.group === b.group ? (a.device < b.device ? -1 : 1) : a.group < b.group ? -1 : 1));
    expect(published.length).toBeGreaterThan(300);
    expect(memberships).toEqual(published);

    // Live has no end of input: it has emitted every window its watermark passed.
    const lastLive = Math.max(...stored.map((s) => s.windowEnd));
    expect(lastLive).toBeGreaterThanOrEqual(end - 60_000);
    const key = (s: GroupStatus) => `${s.groupId}@${s.windowEnd}`;
    const expected = new Map(replayed.filter((s) => s.windowEnd <= lastLive).map((s) => [key(s), s]));
    expect(expected.size).toBeGreaterThan(8 * 15);
    expect(new Map(stored.map((s) => [key(s), s]))).toEqual(expected);

    // The forecasts live issued are the replay's of the same issue time, in ClickHouse and,
    // by MessageID (a name-based UUID of the forecasts), on dms.DERGroupForecasts.
    expect(liveForecasts.length).toBeGreaterThan(0);
    const issuedAt = liveForecasts[0]!.issuedAt;
    const byGroupAndParameter = (f: IssuedForecast) => `${f.groupId}/${f.parameter}`;
    const replayedForecasts = readFileSync(join(dir, 'replay', 'forecasts.ndjson'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as IssuedForecast)
      .filter((f) => f.issuedAt === issuedAt);
    expect(new Map(liveForecasts.map((f) => [byGroupAndParameter(f), f]))).toEqual(
      new Map(replayedForecasts.map((f) => [byGroupAndParameter(f), f])),
    );
    const replayedIds = forecastEvents(replayedForecasts, { source: 'derstream', timestamp: (t) => t }).map(
      (e) => e.messageId,
    );

    // The status topic carries the same versions; the DMS topic each of them as a schema-valid
    // IEC message keyed by group; the dead-letter topic every bad record with its reason.
    const fromTopic = new Map<string, GroupStatus>();
    const reasons: string[] = [];
    const iec: { key: string; windowEnd: string; xml: string }[] = [];
    const consumer = kafka.consumer({ groupId: `test-${tag}-reader` });
    await consumer.connect();
    const forecastIds: string[] = [];
    await consumer.subscribe({
      topics: [
        config.topics.statuses.name,
        config.topics.deadLetter.name,
        config.topics.dmsStatuses.name,
        config.topics.dmsForecasts.name,
      ],
      fromBeginning: true,
    });
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ topic, message }) => {
          if (topic === config.topics.deadLetter.name) reasons.push(String(message.headers![HEADERS.reason]));
          else if (topic === config.topics.dmsForecasts.name) {
            if (Number(message.headers![HEADERS.issuedAt]) === issuedAt)
              forecastIds.push(String(message.headers![HEADERS.messageId]));
          } else if (topic === config.topics.dmsStatuses.name) {
            iec.push({
              key: message.key!.toString(),
              windowEnd: String(message.headers![HEADERS.windowEnd]),
              xml: message.value!.toString(),
            });
          } else {
            const status = JSON.parse(message.value!.toString()) as GroupStatus;
            const previous = fromTopic.get(key(status));
            if (!previous || previous.version < status.version) fromTopic.set(key(status), status);
          }
          if (
            fromTopic.size >= stored.length &&
            reasons.length >= bad.length &&
            iec.length >= counts.statuses &&
            forecastIds.length >= replayedIds.length
          ) {
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    expect(fromTopic).toEqual(new Map(stored.map((s) => [key(s), s])));
    expect(iec).toHaveLength(counts.statuses);
    expect(forecastIds.sort()).toEqual(replayedIds.sort());
    for (const { key: group, windowEnd, xml } of iec) {
      expect(xml).toContain(`<mRID>${group}</mRID>`);
      expect(xml).toContain(`<dateTime>${new Date(Number(windowEnd)).toISOString()}</dateTime>`);
    }
    expect(xmllintTexts(iec.map(({ xml }) => xml))).toMatchObject({ code: 0 });
    expect(reasons.sort()).toEqual(
      [
        'AVRO_DECODE_FAILED',
        'FUTURE_TIMESTAMP',
        'NOT_CONFLUENT_FRAMED',
        'NOT_FINITE',
        'OVERSIZED',
        'STATE_OF_CHARGE_OUT_OF_RANGE',
        'UNKNOWN_SCHEMA_ID',
      ].sort(),
    );

    // `derstream statuses` shows the newest of what was stored.
    const shown = derstream(['statuses', '--limit', '3', '--group', stored[0]!.groupId], {
      DERSTREAM_CHDB_PATH: join(dir, 'chdb'),
    });
    expect(shown.status).toBe(0);
    const newest = stored
      .filter((s) => s.groupId === stored[0]!.groupId)
      .sort((a, b) => b.windowEnd - a.windowEnd)
      .slice(0, 3);
    expect(
      shown.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual(newest);

    // Offsets were committed: a second run of the same group has nothing left to read.
    const admin2 = await connectAdmin(kafka, config.kafka);
    const committed = await admin2.fetchOffsets({
      groupId: config.consumerGroup,
      topics: [config.topics.telemetry.name],
    });
    const ends = await admin2.fetchTopicOffsets(config.topics.telemetry.name);
    await admin2.disconnect();
    const lag = committed[0]!.partitions.reduce((sum, p) => {
      const high = Number(ends.find((e) => e.partition === p.partition)!.high);
      return sum + high - Number(p.offset === '-1' ? 0 : p.offset);
    }, 0);
    // Only readings of windows the watermark has not passed stay uncommitted.
    expect(lag).toBeLessThan(arrivals.length / 10);
  });
});

/**
 * Gateways' batches (TelemetryBatch, schema id of its own subject) and single readings
 * on one topic give the statuses the same readings give sent singly; a bad reading of a
 * batch is dead-lettered alone with its index, the others go on; a batch over the limit
 * is dead-lettered whole.
 */
describe('derstream run on batched and single telemetry', () => {
  const tag = runId();
  const dir = mkdtempSync(join(tmpdir(), 'derstream-live-batch-'));
  const config = testConfig(tag, dir, { DERSTREAM_MAX_BATCH_READINGS: '25' });

  it('gives the statuses of the same readings sent singly', async () => {
    const kafka = createKafka(config.kafka);
    const admin = await connectAdmin(kafka, config.kafka);
    await ensureTopics(admin, Object.values(config.topics));
    const registry = await connectRegistry(config.registry);
    const topic = config.topics.telemetry.name;
    const singleId = await registerAvroSchema(registry, valueSubject(topic), telemetrySchema(1));
    const batchId = await registerAvroSchema(registry, batchSubject(topic), telemetryBatchSchema());
    const single = Type.forSchema(telemetrySchema(1) as never);
    const batchType = Type.forSchema(telemetryBatchSchema() as never);

    const fleet = createFleet({ devices: 240, groups: 6, seed: 13 });
    const end = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
    const arrivals = [
      ...fleetReadings(fleet, {
        start: end - 15 * 60_000,
        end,
        seed: 7,
        duplicateShare: 0.01,
        jitterMs: 2000,
      }),
    ];
    // Two devices in three report through gateways, in batches of up to 20; the others singly.
    const throughGateway = new Set(fleet.devices.filter((_, i) => i % 3 !== 0).map((d) => d.id));
    // Idempotent: a send retried under load must not put records on the topic twice.
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await publishFleetGroups(kafka, config.topics.groups.name, fleet);
    // One stream in sending order, as the topic would get it: each gateway's batch when
    // it goes out (full, or 2 s after its first reading), the other devices' readings as
    // they arrive.
    const records = [
      ...[
        ...gatewayBatches(
          arrivals.filter(([, r]) => throughGateway.has(r.deviceId)),
          { readings: 20, gateways: 1, maxWaitMs: 2000 },
        ),
      ].map(([at, batch]) => ({
        at,
        readings: batch.readings.length,
        message: { key: batch.gatewayId, value: encodeConfluent(batchId, batchType, batch) },
      })),
      ...arrivals
        .filter(([, r]) => !throughGateway.has(r.deviceId))
        .map(([at, r]) => ({
          at,
          readings: 1,
          message: { key: r.deviceId, value: encodeConfluent(singleId, single, r) },
        })),
    ].sort((a, b) => a.at - b.at);
    expect(records.reduce((sum, r) => sum + r.readings, 0)).toBe(arrivals.length);
    expect(records.length).toBeLessThan(arrivals.length / 2);
    for (let i = 0; i < records.length; i += 500)
      await producer.send({ topic, acks: -1, messages: records.slice(i, i + 500).map((r) => r.message) });
    // A batch with a bad reading (of a device in no group) between two good ones, and one over the limit.
    const spare = (deviceId: string) => ({ ...reading(deviceId, end - 30_000), frequency: null });
    await producer.send({
      topic,
      messages: [
        {
          key: 'gateway-mixed',
          value: encodeConfluent(batchId, batchType, {
            gatewayId: 'gateway-mixed',
            readings: [spare('x-ok-1'), { ...spare('x-bad'), stateOfCharge: 250 }, spare('x-ok-2')],
          }),
        },
        {
          key: 'gateway-large',
          value: encodeConfluent(batchId, batchType, {
            gatewayId: 'gateway-large',
            readings: Array.from({ length: 26 }, (_, i) => spare(`x-large-${i}`)),
          }),
        },
      ],
    });
    await producer.disconnect();

    const total = arrivals.length + 2 + 1 + 1;
    const counts = await runUntil(config, (c) => c.valid + c.invalid + c.late >= total);
    expect(counts).toMatchObject({ valid: arrivals.length + 2, invalid: 2, late: 0 });

    const replayed = await replayedStatuses(
      dir,
      arrivals.map(([, r]) => r),
      { groups: fleet.groups },
    );
    const clickhouse = await openClickhouse(config.clickhouse);
    const stored = await new ClickhouseSink(clickhouse).latestStatuses();
    const [rows] = await clickhouse.query<{ n: number; batched: number }>(
      'SELECT count() AS n, countIf(source_index > 0) AS batched FROM telemetry FINAL',
    );
    await clickhouse.close();
    expect(Number(rows!.n)).toBe(arrivals.length + 2);
    expect(Number(rows!.batched)).toBeGreaterThan(0);
    const lastLive = Math.max(...stored.map((s) => s.windowEnd));
    expect(lastLive).toBeGreaterThanOrEqual(end - 60_000);
    const key = (s: GroupStatus) => `${s.groupId}@${s.windowEnd}`;
    const expected = new Map(replayed.filter((s) => s.windowEnd <= lastLive).map((s) => [key(s), s]));
    expect(expected.size).toBeGreaterThan(6 * 10);
    expect(new Map(stored.map((s) => [key(s), s]))).toEqual(expected);

    const dead: { reason: string; index?: string; value: string }[] = [];
    const consumer = kafka.consumer({ groupId: `test-${tag}-reader` });
    await consumer.connect();
    await consumer.subscribe({ topic: config.topics.deadLetter.name, fromBeginning: true });
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          const index = message.headers![HEADERS.batchIndex];
          dead.push({
            reason: String(message.headers![HEADERS.reason]),
            ...(index === undefined ? {} : { index: String(index) }),
            value: message.value!.toString(),
          });
          if (dead.length >= 2) resolve();
        },
      });
    });
    await consumer.disconnect();
    const byReason = new Map(dead.map((d) => [d.reason, d]));
    expect([...byReason.keys()].sort()).toEqual(['BATCH_TOO_LARGE', 'STATE_OF_CHARGE_OUT_OF_RANGE']);
    expect(byReason.get('STATE_OF_CHARGE_OUT_OF_RANGE')).toMatchObject({ index: '1' });
    expect(JSON.parse(byReason.get('STATE_OF_CHARGE_OUT_OF_RANGE')!.value)).toMatchObject({
      deviceId: 'x-bad',
      stateOfCharge: 250,
    });
    expect(byReason.get('BATCH_TOO_LARGE')!.index).toBeUndefined();

    await admin
      .deleteTopics({ topics: Object.values(config.topics).map((t) => t.name) })
      .catch(() => undefined);
    await admin.disconnect();
    const registryUrl = config.registry.url.toString().replace(/\/$/, '');
    for (const subject of [valueSubject(topic), batchSubject(topic)])
      for (const query of ['', '?permanent=true'])
        await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}${query}`, { method: 'DELETE' });
  });
});

/**
 * Watermark alignment on the real broker ({@link partitionsApart}): the partitions
 * holding the devices that report longer run more than a window ahead of the
 * pipeline's watermark. Fetching a few records at a time, they are paused with most of
 * their records unread; when the others go idle the watermark moves, they are resumed
 * and read to the end. The statuses are the replay's, as with no pause.
 */
describe('derstream run with partitions far ahead of the others', () => {
  const fixture = new LiveFixture(partitionsApart());
  afterAll(() => fixture.tearDown());

  it('pauses them, resumes them once the others go idle, and gives the statuses replay gives', async () => {
    const { lastWindow, expected, reader } = await fixture.readyToRun();
    expect(expected.size).toBeGreaterThanOrEqual(4 * 11);
    const run = fixture.runInProcess();
    let metrics = '';
    try {
      await everyWindowOnTopic(reader, lastWindow, expected.size, run, 90_000);
      metrics = await (await fetch(`${run.url()}/metrics`)).text();
    } catch (error) {
      throw withRunLog(error, reader, run);
    } finally {
      await run.stop();
      await reader.stop();
    }
    expect(run.failure()).toBeUndefined();
    const pauses = Number(/^derstream_partition_lead_pauses_total (\S+)$/m.exec(metrics)?.[1]);
    expect(pauses).toBeGreaterThanOrEqual(1);
    expect(upTo(reader.latest, lastWindow)).toEqual(expected);
    expect(upTo(await fixture.stored(), lastWindow)).toEqual(expected);
  });
});

/**
 * A backfill sent once every partition has gone idle (the fleet silent, then a gateway's
 * stored readings sent at once): the first partition read must not carry the watermark
 * past the others' records, which are waiting to be read, not idle.
 */
describe('derstream run woken from idleness by a backfill', () => {
  const fixture = new LiveFixture({
    devices: 120,
    groups: 4,
    minutes: 8,
    seed: 23,
    // Longer than the 5 s between two backlog checks, as the default 30 s is: a shorter one
    // lets a partition go idle while its records wait for the next check.
    env: { DERSTREAM_IDLE_TIMEOUT: '6s' },
  });
  afterAll(() => fixture.tearDown());

  it('reads it on time on every partition: none of it late, the statuses replay gives', async () => {
    await fixture.setUp();
    const start = fixture.end - 8 * 60_000;
    const half = fixture.arrivals.findIndex(([, r]) => r.ts >= start + 4 * 60_000);
    await fixture.produce(0, half);
    const lastWindow = fixture.end - 60_000;
    const expected = upTo(await fixture.replayed(), lastWindow);
    const reader = await fixture.followStatuses();
    const run = fixture.runInProcess();
    try {
      await waitFor(
        'the first half closing its windows',
        () =>
          [...reader.latest.values()].some((s) => s.windowEnd >= start + 3 * 60_000) ||
          run.failure() !== undefined,
        60_000,
      );
      // Every partition silent for longer than the idle timeout.
      await new Promise((resolve) => setTimeout(resolve, 7_000));
      await fixture.produce(half);
      await everyWindowOnTopic(reader, lastWindow, expected.size, run, 60_000);
    } catch (error) {
      throw withRunLog(error, reader, run);
    } finally {
      await run.stop();
      await reader.stop();
    }
    expect(run.failure()).toBeUndefined();
    expect(run.log.find((line) => line.startsWith('run: stopped after'))).toMatch(/, 0 late readings,/);
    expect(upTo(reader.latest, lastWindow)).toEqual(expected);
  });
});
