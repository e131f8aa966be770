import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from 'avsc';
import { Consumer } from 'kafkajs';
import { createFleet, fleetReadings, seededRandom } from '../../benchmarks/simulator/fleet';
import { produceReadings } from '../../benchmarks/simulator/fleetProducer';
import { GroupStatus } from '../../pipelines/aggregate/groupStatus';
import { defaultForecastSettings } from '../../pipelines/forecast/forecastConfig';
import { openClickhouse } from '../../pipelines/io/clickhouse/clickhouseExecutor';
import { ClickhouseSink } from '../../pipelines/io/clickhouse/clickhouseSink';
import { connectAdmin, createKafka } from '../../pipelines/io/kafka/kafkaClient';
import { ensureTopics } from '../../pipelines/io/kafka/topicSetup';
import { connectRegistry, registerAvroSchema } from '../../pipelines/io/registry/schemaRegistry';
import { telemetrySchema, valueSubject } from '../../pipelines/io/registry/telemetrySchemas';
import { defaultSemantics } from '../../pipelines/statusEngine';
import { loadConfig } from '../../topologies/config';
import { replay } from '../../topologies/replay';
import { ROOT } from '../support/cli';
import { runId } from '../support/services';

/**
 * `derstream run` killed with SIGKILL at three random points and restarted each time
 * gives, in ClickHouse and on the status topic (deduplicated by group, window and
 * version), the statuses of a run that never stopped (the replay of the same readings,
 * which the live test shows equal to an uninterrupted live run).
 */
describe('derstream run killed and restarted', () => {
  const tag = runId();
  const dir = mkdtempSync(join(tmpdir(), 'derstream-crash-'));
  const env = {
    ...process.env,
    DERSTREAM_TOPIC_PREFIX: `test-${tag}.`,
    DERSTREAM_CHDB_PATH: join(dir, 'chdb'),
    DERSTREAM_CONSUMER_GROUP: `test-${tag}`,
    DERSTREAM_HTTP_PORT: '0',
    // A killed consumer holds its partitions until its session times out: keep that short.
    DERSTREAM_KAFKA_SESSION_TIMEOUT: '6s',
    // Small batches: many commits over the run, so a kill lands between two of them.
    DERSTREAM_KAFKA_FETCH_BYTES: '32768',
  };
  const config = loadConfig(env);
  const key = (s: GroupStatus) => `${s.groupId}@${s.windowEnd}`;

  function start(log: string[]): ChildProcess {
    // One process (no npm or tsx wrapper), so SIGKILL hits the pipeline itself.
    const child = spawn(process.execPath, ['--import', 'tsx', 'topologies/cli.ts', 'run'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    return child;
  }

  it('gives the statuses of an uninterrupted run after three kill -9s', async () => {
    const kafka = createKafka(config.kafka);
    const admin = await connectAdmin(kafka, config.kafka);
    await ensureTopics(admin, Object.values(config.topics));
    await admin.disconnect();
    const schemaId = await registerAvroSchema(
      await connectRegistry(config.registry),
      valueSubject(config.topics.telemetry.name),
      telemetrySchema(1),
    );
    const type = Type.forSchema(telemetrySchema(1) as never);
    const fleet = createFleet({ devices: 1000, groups: 12, seed: 21 });
    const end = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
    const arrivals = [
      ...fleetReadings(fleet, {
        start: end - 30 * 60_000,
        end,
        seed: 9,
        duplicateShare: 0.01,
        jitterMs: 2000,
      }),
    ];
    writeFileSync(join(dir, 'groups.json'), JSON.stringify({ groups: fleet.groups }));
    writeFileSync(
      join(dir, 'telemetry.ndjson'),
      arrivals.map(([, r]) => JSON.stringify(r)).join('\n') + '\n',
    );
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: config.topics.groups.name,
      messages: fleet.groups.map((g) => ({ key: g.mRID, value: JSON.stringify(g) })),
    });
    await producer.disconnect();
    await produceReadings(kafka, arrivals, {
      topic: config.topics.telemetry.name,
      schemaId,
      type,
      paced: false,
    });

    await replay({
      telemetry: join(dir, 'telemetry.ndjson'),
      groups: join(dir, 'groups.json'),
      out: join(dir, 'replay'),
      semantics: defaultSemantics(),
      forecasts: defaultForecastSettings(),
    });
    const replayed = readFileSync(join(dir, 'replay', 'statuses.ndjson'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as GroupStatus);

    // Every status version on the topic, across all runs: a repeat must be the same bytes.
    const onTopic = new Map<string, string>();
    const repeats: string[] = [];
    let received = 0;
    const reader: Consumer = kafka.consumer({ groupId: `test-${tag}-reader` });
    await reader.connect();
    await reader.subscribe({ topic: config.topics.statuses.name, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        received++;
        const status = JSON.parse(message.value!.toString()) as GroupStatus;
        const id = `${key(status)}#${status.version}`;
        const previous = onTopic.get(id);
        if (previous !== undefined && previous !== message.value!.toString()) repeats.push(id);
        onTopic.set(id, message.value!.toString());
      },
    });
    const windowsOut = () => new Set([...onTopic.keys()].map((id) => id.split('@')[1]!.split('#')[0]!)).size;
    const windows = new Set(replayed.map((s) => s.windowEnd)).size;

    const random = seededRandom(Number.parseInt(tag, 16) % 1_000_000);
    const log: string[] = [];
    const kills: number[] = [];
    for (let k = 0; k < 3; k++) {
      // Killed at a random moment once it has published its first statuses.
      const child = start(log);
      const exited = once(child, 'exit');
      const from = received;
      for (let i = 0; i < 1200 && received === from; i++) await new Promise((r) => setTimeout(r, 25));
      await new Promise((r) => setTimeout(r, 200 + random() * 2000));
      kills.push(windowsOut());
      child.kill('SIGKILL');
      await exited;
    }
    // The last window is never emitted: live has no end of input, and its watermark stays
    // B behind the last reading. Every window before it is.
    const last = start(log);
    const exited = once(last, 'exit');
    for (let i = 0; i < 1800 && windowsOut() < windows - 1; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1000));
    last.kill('SIGTERM');
    await exited;
    await reader.disconnect();
    const lastWindow = end - 60_000;

    expect(kills.length).toBe(3);
    // At least one kill fell while windows were still to come (not all after the end).
    expect(Math.min(...kills)).toBeLessThan(windows - 2);
    expect(log.join('')).toContain('run: resumed 12 partitions');
    const clickhouse = await openClickhouse(config.clickhouse);
    const stored = await new ClickhouseSink(clickhouse).latestStatuses();
    await clickhouse.close();
    const expected = new Map(replayed.filter((s) => s.windowEnd <= lastWindow).map((s) => [key(s), s]));
    const storedUpTo = new Map(stored.filter((s) => s.windowEnd <= lastWindow).map((s) => [key(s), s]));
    expect(storedUpTo).toEqual(expected);

    expect(repeats).toEqual([]);
    const latest = new Map<string, GroupStatus>();
    for (const json of onTopic.values()) {
      const status = JSON.parse(json) as GroupStatus;
      if (status.windowEnd > lastWindow) continue;
      const previous = latest.get(key(status));
      if (!previous || previous.version < status.version) latest.set(key(status), status);
    }
    expect(latest).toEqual(expected);
  }, 300_000);
});
