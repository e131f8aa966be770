import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from 'avsc';
import { Kafka, Producer } from 'kafkajs';
import { createFleet, fleetReadings } from '../../benchmarks/simulator/fleet';
import { produceReadings, publishFleetGroups } from '../../benchmarks/simulator/fleetProducer';
import { connectAdmin, createKafka } from '../../pipelines/io/kafka/kafkaClient';
import { HEADERS } from '../../pipelines/io/kafka/outputRecords';
import { ensureTopics } from '../../pipelines/io/kafka/topicSetup';
import { connectRegistry, registerAvroSchema } from '../../pipelines/io/registry/schemaRegistry';
import { telemetrySchema, valueSubject } from '../../pipelines/io/registry/telemetrySchemas';
import { DerstreamConfig, loadConfig } from '../../topologies/config';
import { LiveCounts, runLive } from '../../topologies/live';
import {
  BILLION_LAUGHS,
  EXTERNAL_ENTITY,
  forecastQuery,
  groupQuery,
  groupsRequest,
  operationSet,
  statusQuery,
  textOf,
  textsOf,
  XSD,
} from '../support/iecRequests';
import { ROOT } from '../support/cli';
import { runId } from '../support/services';
import { xmllintTexts } from '../support/xmllint';

interface Reply {
  topic: string;
  xml: string;
  headers: Record<string, string>;
}

/**
 * IEC requests over real Kafka against the live pipeline: every request kind gets its
 * reply on the right topic with the right CorrelationID, hostile messages are refused
 * while the process keeps answering, and groups created and deleted by request gain
 * and lose statuses from their effective time on.
 */
describe('IEC requests on dms.requests, answered by derstream run', () => {
  const tag = runId();
  const dir = mkdtempSync(join(tmpdir(), 'derstream-iec-'));
  let config: DerstreamConfig;
  let kafka: Kafka;
  let producer: Producer;
  const replies = new Map<string, Reply>();
  const waiting = new Map<string, (reply: Reply) => void>();
  const counts: LiveCounts[] = [];
  const controller = new AbortController();
  let live: Promise<LiveCounts>;
  let stopReplies: () => Promise<void>;
  let httpUrl = '';
  const customReplies = `test-${tag}.dms.replies.west`;

  const fleet = createFleet({ devices: 60, groups: 2, seed: 3 });
  const start = Math.floor(Date.now() / 60_000) * 60_000 - 40 * 60_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  let schemaId: number;
  const type = Type.forSchema(telemetrySchema(1) as never);

  async function produce(from: number, to: number) {
    const readings = [...fleetReadings(fleet, { start: from, end: to, seed: from % 1000, jitterMs: 1000 })];
    await produceReadings(kafka, readings, {
      topic: config.topics.telemetry.name,
      schemaId,
      type,
      paced: false,
    });
    return readings.length;
  }

  async function until(done: () => boolean, what: string) {
    for (let i = 0; i < 600 && !done(); i++) await new Promise((r) => setTimeout(r, 100));
    if (!done()) throw new Error(`timed out waiting for ${what}`);
  }

  async function ask(xml: string, correlationId: string): Promise<Reply> {
    const answered = new Promise<Reply>((resolve) => waiting.set(correlationId, resolve));
    await producer.send({ topic: config.topics.dmsRequests.name, messages: [{ value: xml }] });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no reply to ${correlationId}`)), 30_000);
    });
    try {
      return await Promise.race([answered, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  beforeAll(async () => {
    config = loadConfig({
      ...process.env,
      DERSTREAM_TOPIC_PREFIX: `test-${tag}.`,
      DERSTREAM_CHDB_PATH: join(dir, 'chdb'),
      DERSTREAM_CONSUMER_GROUP: `test-${tag}`,
      DERSTREAM_HTTP_PORT: '0',
      DERSTREAM_IEC_MAX_REQUEST_BYTES: String(64 * 1024),
    });
    kafka = createKafka(config.kafka);
    const admin = await connectAdmin(kafka, config.kafka);
    await ensureTopics(admin, [
      ...Object.values(config.topics),
      { ...config.topics.dmsReplies, name: customReplies },
    ]);
    await admin.disconnect();
    schemaId = await registerAvroSchema(
      await connectRegistry(config.registry),
      valueSubject(config.topics.telemetry.name),
      telemetrySchema(1),
    );
    producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await publishFleetGroups(kafka, config.topics.groups.name, fleet);

    const consumer = kafka.consumer({ groupId: `test-${tag}-replies` });
    await consumer.connect();
    await consumer.subscribe({ topics: [config.topics.dmsReplies.name, customReplies], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        const headers = Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
        );
        const reply = { topic, xml: message.value!.toString(), headers };
        const correlationId = message.key!.toString();
        replies.set(correlationId, reply);
        waiting.get(correlationId)?.(reply);
      },
    });
    stopReplies = () => consumer.disconnect();

    live = runLive(config, {
      semantics: config.semantics,
      consumerGroup: config.consumerGroup,
      maxMessageBytes: 4096,
      log: () => undefined,
      signal: controller.signal,
      onProgress: (c) => counts.push(c),
      onHttpListening: (url) => (httpUrl = url),
    });
  });

  afterAll(async () => {
    controller.abort();
    await live;
    await Promise.all([producer.disconnect(), stopReplies()]);
  });

  it('creates and deletes groups by request, and statuses follow from their effective times', async () => {
    const [kept, dropped] = fleet.groups.map((g) => g.mRID) as [string, string];
    const firstHalf = await produce(start, start + 10 * 60_000);
    await until(() => (counts.at(-1)?.valid ?? 0) >= firstHalf, 'the first ten minutes');

    const devices = (fleet.groups[0]!.members ?? []).slice(0, 5).map((m) => m.deviceId);
    const created = await ask(
      groupsRequest('create', [{ mRID: `new-${tag}`, devices, name: 'By request' }], {
        messageId: 'create-1',
        timestamp: iso(start + 10 * 60_000),
      }),
      'create-1',
    );
    expect(textOf(created.xml, 'Result')).toBe('OK');
    const deleted = await ask(
      groupsRequest('delete', [{ mRID: dropped }], {
        messageId: 'delete-1',
        timestamp: iso(start + 15 * 60_000),
      }),
      'delete-1',
    );
    expect(textOf(deleted.xml, 'Result')).toBe('OK');
    expect(xmllintTexts([created.xml], XSD.groupsCreate)).toMatchObject({ code: 0 });
    expect(xmllintTexts([deleted.xml], XSD.groupsChange)).toMatchObject({ code: 0 });

    const secondHalf = await produce(start + 10 * 60_000, start + 25 * 60_000);
    await until(() => (counts.at(-1)?.valid ?? 0) >= firstHalf + secondHalf, 'the rest');

    // The status query over Kafka sees the windows the pipeline has written by now.
    const lastWindow = start + 20 * 60_000;
    await until(() => (counts.at(-1)?.statuses ?? 0) > 0, 'statuses');
    const query = await ask(
      statusQuery([`new-${tag}`, kept, dropped], {
        messageId: 'range-1',
        startTime: iso(start),
        endTime: iso(lastWindow),
      }),
      'range-1',
    );
    expect(xmllintTexts([query.xml], XSD.statusQueries)).toMatchObject({ code: 0 });
    expect(textOf(query.xml, 'Result')).toBe('OK');
    const windowsOf = (group: string) =>
      [...query.xml.matchAll(/<EndDeviceGroup><mRID>([^<]*)<\/mRID>[\s\S]*?<dateTime>([^<]*)<\/dateTime>/g)]
        .filter((m) => m[1] === group)
        .map((m) => Date.parse(m[2]!));
    const created1 = windowsOf(`new-${tag}`);
    expect(Math.min(...created1)).toBe(start + 11 * 60_000);
    expect(created1.length).toBe((lastWindow - (start + 11 * 60_000)) / 60_000 + 1);
    expect(Math.max(...windowsOf(dropped))).toBe(start + 15 * 60_000);
    expect(Math.max(...windowsOf(kept))).toBe(lastWindow);
  });

  it('answers group and status queries, changes and operation sets, on ReplyAddress or dms.replies', async () => {
    const [kept] = fleet.groups.map((g) => g.mRID) as [string];
    const groups = await ask(
      groupQuery([kept], { messageId: 'groups-1', replyAddress: customReplies }),
      'groups-1',
    );
    expect(groups.topic).toBe(customReplies);
    expect(xmllintTexts([groups.xml], XSD.groupQueries)).toMatchObject({ code: 0 });
    expect(textOf(groups.xml, 'CorrelationID')).toBe('groups-1');
    expect(textsOf(groups.xml, 'mRID').slice(1)).toEqual(
      (fleet.groups[0]!.members ?? []).map((m) => m.deviceId),
    );

    const latest = await ask(
      statusQuery([kept, 'nowhere'], { messageId: 'latest-1', compressReply: true }),
      'latest-1',
    );
    expect(latest.topic).toBe(config.topics.dmsReplies.name);
    expect(xmllintTexts([latest.xml], XSD.statusQueries)).toMatchObject({ code: 0 });
    expect(textOf(latest.xml, 'Result')).toBe('PARTIAL');
    expect(textOf(latest.xml, 'code')).toBe('UNKNOWN_GROUP');
    expect(textOf(latest.xml, 'Compressed')).toBeDefined();

    const changed = await ask(
      groupsRequest('change', [{ mRID: kept, devices: ['dev-x'] }], {
        messageId: 'change-1',
        compressed: true,
      }),
      'change-1',
    );
    expect(textOf(changed.xml, 'Result')).toBe('OK');

    const ops = await ask(
      operationSet(
        [
          { operationId: 1, verb: 'create', groups: [{ mRID: `ops-${tag}`, devices: ['dev-y'] }] },
          { operationId: 2, verb: 'delete', groups: [{ mRID: 'nowhere' }] },
        ],
        { messageId: 'ops-1', replyAddress: 'no-such-topic-anywhere' },
      ),
      'ops-1',
    );
    expect(ops.topic).toBe(config.topics.dmsReplies.name);
    expect(ops.headers[HEADERS.reason]).toBe('REPLY_ADDRESS_UNKNOWN');
    expect(xmllintTexts([ops.xml], XSD.operationSet)).toMatchObject({ code: 0 });
    expect(textOf(ops.xml, 'Result')).toBe('PARTIAL');
    expect(textOf(ops.xml, 'operationId')).toBe('2');

    const after = await ask(groupQuery([`ops-${tag}`, kept], { messageId: 'groups-2' }), 'groups-2');
    expect(textsOf(after.xml, 'mRID')).toEqual([`ops-${tag}`, 'dev-y', kept, 'dev-x']);
  });

  it('refuses hostile and invalid requests with FAILED and keeps answering', async () => {
    const refused = [
      [
        BILLION_LAUGHS.replace('<m:DERGroupQueriesRequestMessage', '<m:DERGroupQueriesRequestMessage'),
        'IEC_DTD_REFUSED',
      ],
      [EXTERNAL_ENTITY, 'IEC_DTD_REFUSED'],
      [
        `<m:DERGroupQueriesRequestMessage>${'<x/>'.repeat(20_000)}</m:DERGroupQueriesRequestMessage>`,
        'IEC_TOO_LARGE',
      ],
      [
        statusQuery(['a'], { messageId: 'invalid-1' }).replace('<msg:Noun>DERGroupStatuses</msg:Noun>', ''),
        'IEC_SCHEMA_INVALID',
      ],
      [Buffer.from(statusQuery(['rivière'], { messageId: 'latin1-1' }), 'latin1'), 'IEC_NOT_UTF8'],
    ] as const;
    const seen = replies.size;
    await producer.send({
      topic: config.topics.dmsRequests.name,
      messages: refused.map(([xml]) => ({ value: xml })),
    });
    await until(() => replies.size >= seen + refused.length, 'the refusals');
    const codes = [...replies.values()]
      .slice(seen)
      .map((r) => [textOf(r.xml, 'Result'), textOf(r.xml, 'code')]);
    expect(codes.sort()).toEqual(refused.map(([, code]) => ['FAILED', code]).sort());
    expect(
      [...replies.values()].slice(seen).every((r) => !r.xml.includes('lollol') && !r.xml.includes('root:')),
    ).toBe(true);
    const still = await ask(
      groupQuery([], { messageId: 'alive-1' }).replace(
        '<q:DERGroupQueries></q:DERGroupQueries>',
        '<q:DERGroupQueries><q:EndDeviceGroup/></q:DERGroupQueries>',
      ),
      'alive-1',
    );
    expect(textOf(still.xml, 'Result')).toBe('OK');
  });

  it('answers the same requests over POST /iec, and refuses hostile bodies there too', async () => {
    await until(() => httpUrl !== '', 'the HTTP server');
    const post = async (xml: string | Buffer) => {
      const response = await fetch(`${httpUrl}/iec`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: xml,
      });
      return { status: response.status, xml: await response.text() };
    };
    const [kept] = fleet.groups.map((g) => g.mRID) as [string];
    const groups = await post(groupQuery([kept], { messageId: 'http-1' }));
    expect(groups.status).toBe(200);
    expect(xmllintTexts([groups.xml], XSD.groupQueries)).toMatchObject({ code: 0 });
    expect(textOf(groups.xml, 'CorrelationID')).toBe('http-1');
    // The README's example request, as its curl command sends it.
    const example = await post(readFileSync(join(ROOT, 'schemas/iec/examples/get-der-group-statuses.xml')));
    expect([example.status, textOf(example.xml, 'Result')]).toEqual([200, 'OK']);
    expect(textOf(example.xml, 'CorrelationID')).toBe('example-status-query-1');
    expect(textsOf(example.xml, 'mRID')).toEqual(['group-00001', 'group-00002']);
    const statuses = await post(statusQuery([kept], { messageId: 'http-2' }));
    expect(xmllintTexts([statuses.xml], XSD.statusQueries)).toMatchObject({ code: 0 });
    expect(textOf(statuses.xml, 'Result')).toBe('OK');
    expect(textsOf(statuses.xml, 'mRID')).toEqual([kept]);
    const created = await post(
      groupsRequest('create', [{ mRID: `http-${tag}`, devices: ['dev-z'] }], { messageId: 'http-3' }),
    );
    expect(textOf(created.xml, 'Result')).toBe('OK');
    const unknown = await post(groupsRequest('delete', [{ mRID: 'nowhere' }], { messageId: 'http-4' }));
    expect([textOf(unknown.xml, 'Result'), textOf(unknown.xml, 'code')]).toEqual(['FAILED', 'UNKNOWN_GROUP']);
    for (const [xml, code] of [
      [BILLION_LAUGHS, 'IEC_DTD_REFUSED'],
      [EXTERNAL_ENTITY, 'IEC_DTD_REFUSED'],
      [
        `<m:DERGroupQueriesRequestMessage>${'<x/>'.repeat(20_000)}</m:DERGroupQueriesRequestMessage>`,
        'IEC_TOO_LARGE',
      ],
      // Bytes, not text: decoded on the way in, they would have reached the reader as U+FFFD.
      [Buffer.from(statusQuery(['rivière'], { messageId: 'http-latin1' }), 'latin1'), 'IEC_NOT_UTF8'],
    ] as const) {
      const refused = await post(xml);
      expect([refused.status, textOf(refused.xml, 'Result'), textOf(refused.xml, 'code')]).toEqual([
        200,
        'FAILED',
        code,
      ]);
    }
    const huge = await post(`<a>${'x'.repeat(5 * 1024 * 1024)}</a>`);
    expect(huge.status).toBe(413);
    const changed = await post(
      groupsRequest('change', [{ mRID: `http-${tag}`, devices: ['dev-z', 'dev-w'] }], {
        messageId: 'http-5',
      }),
    );
    expect(xmllintTexts([changed.xml], XSD.groupsChange)).toMatchObject({ code: 0 });
    expect(textOf(changed.xml, 'Result')).toBe('OK');
    const ops = await post(
      operationSet(
        [
          { operationId: 1, verb: 'create', groups: [{ mRID: `http-ops-${tag}`, devices: ['dev-v'] }] },
          { operationId: 2, verb: 'delete', groups: [{ mRID: `http-${tag}` }] },
        ],
        { messageId: 'http-6', transactional: true },
      ),
    );
    expect(xmllintTexts([ops.xml], XSD.operationSet)).toMatchObject({ code: 0 });
    expect([textOf(ops.xml, 'Result'), textOf(ops.xml, 'CorrelationID')]).toEqual(['OK', 'http-6']);
    const after = await post(groupQuery([`http-ops-${tag}`, `http-${tag}`], { messageId: 'http-7' }));
    expect(textOf(after.xml, 'Result')).toBe('PARTIAL');
    expect(textsOf(after.xml, 'mRID')).toEqual([`http-ops-${tag}`, 'dev-v']);
  });

  it('pushes CreatedDERGroupForecasts on dms.DERGroupForecasts and answers forecast queries from ClickHouse', async () => {
    await until(() => (counts.at(-1)?.forecasts ?? 0) > 0, 'forecasts');
    const [kept] = fleet.groups.map((g) => g.mRID) as [string];
    const pushed: { key: string; issuedAt: string; xml: string }[] = [];
    const consumer = kafka.consumer({ groupId: `test-${tag}-forecasts` });
    await consumer.connect();
    await consumer.subscribe({ topic: config.topics.dmsForecasts.name, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        pushed.push({
          key: message.key!.toString(),
          issuedAt: String(message.headers![HEADERS.issuedAt]),
          xml: message.value!.toString(),
        });
      },
    });
    await until(() => pushed.length > 0, 'pushed forecasts');
    await consumer.disconnect();
    expect(
      xmllintTexts(
        pushed.map((p) => p.xml),
        XSD.forecastsEvent,
      ),
    ).toMatchObject({ code: 0 });
    for (const { key, issuedAt, xml } of pushed) {
      expect(textOf(xml, 'predictionCreationDate')).toBe(new Date(Number(issuedAt)).toISOString());
      expect(xml).toContain(`<mRID>${key}</mRID>`);
    }

    const issuedAt = Math.max(...pushed.map((p) => Number(p.issuedAt)));
    const reply = await ask(
      forecastQuery([kept], {
        messageId: 'forecast-1',
        startTime: iso(issuedAt + 900_000),
        numberOfIntervals: 4,
      }),
      'forecast-1',
    );
    expect(xmllintTexts([reply.xml], XSD.forecastQueries)).toMatchObject({ code: 0 });
    expect(textOf(reply.xml, 'Result')).toBe('OK');
    expect(textsOf(reply.xml, 'intervalNumber')).toEqual([
      '2',
      '3',
      '4',
      '5',
      '2',
      '3',
      '4',
      '5',
      '2',
      '3',
      '4',
      '5',
    ]);
    const overHttp = await fetch(`${httpUrl}/iec`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: forecastQuery([kept], {
        messageId: 'forecast-2',
        startTime: iso(issuedAt),
        numberOfIntervals: 96,
        compressReply: true,
      }),
    });
    const compressed = await overHttp.text();
    expect(xmllintTexts([compressed], XSD.forecastQueries)).toMatchObject({ code: 0 });
    expect([textOf(compressed, 'Result'), textOf(compressed, 'CorrelationID')]).toEqual(['OK', 'forecast-2']);
    const inner = gunzipSync(Buffer.from(textOf(compressed, 'Compressed')!, 'base64')).toString('utf8');
    expect(textsOf(inner, 'intervalNumber')).toHaveLength(3 * 96);
  });

  it('serves /metrics that promtool passes, with the run counted in them', async () => {
    const text = await (await fetch(`${httpUrl}/metrics`)).text();
    const promtool = execFileSync('bash', [join(ROOT, 'ops/ensure-promtool.sh')], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .at(-1)!;
    const check = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
    const value = (name: string) =>
      Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    expect(value('derstream_readings_total{result="valid"}')).toBe(counts.at(-1)!.valid);
    expect(value('derstream_clickhouse_inserted_rows_total{table="telemetry"}')).toBeGreaterThanOrEqual(
      counts.at(-1)!.valid,
    );
    expect(text).toMatch(/^derstream_consumer_lag_records\{topic="[^"]+",partition="\d+"\} \d+$/m);
    expect(value('derstream_statuses_emitted_total{verb="created"}')).toBeGreaterThan(0);
  });
});
