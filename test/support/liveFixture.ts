import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from 'avsc';
import { Consumer, Kafka } from 'kafkajs';
import { createFleet, Fleet, fleetReadings } from '../../benchmarks/simulator/fleet';
import { produceReadings, publishFleetGroups } from '../../benchmarks/simulator/fleetProducer';
import { GroupStatus } from '../../pipelines/aggregate/groupStatus';
import { defaultForecastSettings } from '../../pipelines/forecast/forecastConfig';
import { openClickhouse } from '../../pipelines/io/clickhouse/clickhouseExecutor';
import { ClickhouseSink } from '../../pipelines/io/clickhouse/clickhouseSink';
import { connectAdmin, createKafka } from '../../pipelines/io/kafka/kafkaClient';
import { ensureTopics } from '../../pipelines/io/kafka/topicSetup';
import { connectRegistry, registerAvroSchema } from '../../pipelines/io/registry/schemaRegistry';
import { telemetrySchema, valueSubject } from '../../pipelines/io/registry/telemetrySchemas';
import { defaultSemantics } from '../../pipelines/statusEngine';
import { TelemetryReading } from '../../pipelines/telemetryReading';
import { DerstreamConfig, loadConfig } from '../../topologies/config';
import { LiveOptions, runLive } from '../../topologies/live';
import { replay } from '../../topologies/replay';
import { LiveInstance } from './liveInstance';
import { runId } from './services';

export interface FixtureSpec {
  devices: number;
  groups: number;
  /** Minutes of readings, ending `endsAgoMinutes` before now (whole minutes). */
  minutes: number;
  endsAgoMinutes?: number;
  seed: number;
  /** More DERSTREAM_* settings (a broker of its own, a short session timeout, small fetches). */
  env?: NodeJS.ProcessEnv;
  /** Which of the fleet's readings to keep (all by default); `start` is the first window's start. */
  keep?: (reading: TelemetryReading, fleet: Fleet, start: number) => boolean;
  /** Readings per produce request (2,000): fewer make smaller record batches, and so smaller fetches. */
  produceBatch?: number;
}

/**
 * Partitions far apart: a twelfth of 120 devices report for 12 minutes, the others for
 * the first 3 only, so the partitions holding the long ones run ahead of the others.
 * Produced ten readings a request (small record batches) and fetched 2 KB at a time, a
 * partition paused still has most of its records unread. Idle after 5 s.
 */
export function partitionsApart(env: NodeJS.ProcessEnv = {}): FixtureSpec {
  return {
    devices: 120,
    groups: 4,
    minutes: 12,
    seed: 17,
    keep: (reading, fleet, start) =>
      fleet.devices.findIndex((d) => d.id === reading.deviceId) % 12 === 0 || reading.ts < start + 3 * 60_000,
    produceBatch: 10,
    env: { DERSTREAM_IDLE_TIMEOUT: '5s', DERSTREAM_KAFKA_FETCH_BYTES: '2048', ...env },
  };
}

/** A group's final status in one window, the unit every equivalence test compares. */
export const statusKey = (s: GroupStatus) => `${s.groupId}@${s.windowEnd}`;

/**
 * A fleet's readings on topics of their own (prefix, consumer group, chDB folder and
 * registry subject named after a fresh run id), with what the replay of the same
 * readings says: the reference an uninterrupted run must equal. For the tests that
 * run `derstream run` and break something on the way.
 */
export class LiveFixture {
  readonly tag = runId();
  readonly dir = mkdtempSync(join(tmpdir(), 'derstream-fixture-'));
  readonly env: NodeJS.ProcessEnv;
  readonly config: DerstreamConfig;
  readonly kafka: Kafka;
  readonly fleet: Fleet;
  /** Every reading in the order it is produced, with its arrival time. */
  readonly arrivals: [number, TelemetryReading][];
  /** End of the last window with readings. */
  readonly end: number;
  private schemaId = 0;
  private readonly produceBatch: number | undefined;
  private readonly instances: LiveInstance[] = [];

  constructor(spec: FixtureSpec) {
    this.env = {
      ...process.env,
      DERSTREAM_TOPIC_PREFIX: `test-${this.tag}.`,
      DERSTREAM_CHDB_PATH: join(this.dir, 'chdb'),
      DERSTREAM_CONSUMER_GROUP: `test-${this.tag}`,
      DERSTREAM_HTTP_PORT: '0',
      ...spec.env,
    };
    this.config = loadConfig(this.env);
    this.kafka = createKafka(this.config.kafka);
    this.fleet = createFleet({ devices: spec.devices, groups: spec.groups, seed: spec.seed });
    this.end = Math.floor(Date.now() / 60_000) * 60_000 - (spec.endsAgoMinutes ?? 10) * 60_000;
    const start = this.end - spec.minutes * 60_000;
    const keep = spec.keep ?? (() => true);
    this.arrivals = [
      ...fleetReadings(this.fleet, {
        start,
        end: this.end,
        seed: spec.seed + 1,
        duplicateShare: 0.01,
        jitterMs: 2000,
      }),
    ].filter(([, reading]) => keep(reading, this.fleet, start));
    this.produceBatch = spec.produceBatch;
  }

  /** Topics, the telemetry schema and the groups (before any reading). */
  async setUp(): Promise<void> {
    const admin = await connectAdmin(this.kafka, this.config.kafka);
    await ensureTopics(admin, Object.values(this.config.topics));
    await admin.disconnect();
    this.schemaId = await registerAvroSchema(
      await connectRegistry(this.config.registry),
      valueSubject(this.config.topics.telemetry.name),
      telemetrySchema(1),
    );
    await publishFleetGroups(this.kafka, this.config.topics.groups.name, this.fleet);
  }

  /**
   * What a test that runs the pipeline over all the readings starts with: {@link setUp},
   * every reading produced, the replay's statuses up to the last window a live run
   * emits (the last one never is: live has no end of input), and a reader on the
   * status topic.
   */
  async readyToRun(): Promise<{
    lastWindow: number;
    expected: Map<string, GroupStatus>;
    reader: StatusTopicReader;
  }> {
    await this.setUp();
    await this.produce();
    const lastWindow = this.end - 60_000;
    const expected = upTo(await this.replayed(), lastWindow);
    return { lastWindow, expected, reader: await this.followStatuses() };
  }

  /**
   * Runs the live pipeline in this process with this run's settings (`options` over
   * them) until `stop()`; what it logs is kept, and a run that ended by itself makes
   * `failure()` return its error, for a test's waits to give up at once.
   */
  runInProcess(options: Partial<LiveOptions> = {}): InProcessRun {
    const log: string[] = [];
    const controller = new AbortController();
    let url = '';
    let ended: { error: unknown } | undefined;
    let stopping = false;
    const running = runLive(this.config, {
      semantics: this.config.semantics,
      consumerGroup: this.config.consumerGroup,
      maxMessageBytes: this.config.maxMessageBytes,
      log: (line) => log.push(line),
      signal: controller.signal,
      onHttpListening: (listening) => (url = listening),
      ...options,
    });
    running.then(
      () => {
        if (!stopping) ended ??= { error: new Error('the run stopped by itself') };
      },
      (error: unknown) => (ended = { error }),
    );
    return {
      log,
      url: () => url,
      failure: () => ended?.error,
      stop: async () => {
        stopping = true;
        controller.abort();
        await running.catch(() => undefined);
      },
    };
  }

  /**
   * Starts `derstream run` in a process of its own, named `name` in the test, with this
   * run's settings and `env` over them.
   */
  start(name: string, env: NodeJS.ProcessEnv = {}): LiveInstance {
    const instance = new LiveInstance(name, { ...this.env, ...env });
    this.instances.push(instance);
    return instance;
  }

  /** The chDB folder of an instance that has one of its own (several instances at once). */
  chdbPath(name: string): string {
    return join(this.dir, `chdb-${name}`);
  }

  /**
   * Kills what {@link start} started and is still running, then deletes the topics and
   * consumer groups of this run (pass or fail, nothing of it stays on the broker).
   */
  async tearDown(): Promise<void> {
    await Promise.all(this.instances.map((instance) => instance.stop('SIGKILL')));
    const admin = await connectAdmin(this.kafka, this.config.kafka);
    try {
      const prefix = `test-${this.tag}`;
      const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
      if (topics.length > 0) await admin.deleteTopics({ topics });
      const groups = (await admin.listGroups()).groups
        .map((g) => g.groupId)
        .filter((g) => g.startsWith(prefix));
      if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
    } finally {
      await admin.disconnect();
    }
  }

  /** Produces arrivals `from` (inclusive) to `to` (exclusive) as Avro telemetry. */
  async produce(from = 0, to = this.arrivals.length): Promise<void> {
    await produceReadings(this.kafka, this.arrivals.slice(from, to), {
      topic: this.config.topics.telemetry.name,
      schemaId: this.schemaId,
      type: Type.forSchema(telemetrySchema(1) as never),
      paced: false,
      batchSize: this.produceBatch,
    });
  }

  /** The final status of every group and window, by replay of all the readings. */
  async replayed(): Promise<Map<string, GroupStatus>> {
    writeFileSync(join(this.dir, 'groups.json'), JSON.stringify({ groups: this.fleet.groups }));
    writeFileSync(
      join(this.dir, 'telemetry.ndjson'),
      this.arrivals.map(([, r]) => JSON.stringify(r)).join('\n') + '\n',
    );
    await replay({
      telemetry: join(this.dir, 'telemetry.ndjson'),
      groups: join(this.dir, 'groups.json'),
      out: join(this.dir, 'replay'),
      semantics: defaultSemantics(),
      forecasts: defaultForecastSettings(),
    });
    const statuses = readFileSync(join(this.dir, 'replay', 'statuses.ndjson'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as GroupStatus);
    return latestVersions(statuses);
  }

  /**
   * The latest version of each status in this run's chDB, or in the one at `chdbPath`
   * (open it only once the run has stopped).
   */
  async stored(chdbPath?: string): Promise<Map<string, GroupStatus>> {
    const config =
      chdbPath === undefined ? this.config : loadConfig({ ...this.env, DERSTREAM_CHDB_PATH: chdbPath });
    const clickhouse = await openClickhouse(config.clickhouse);
    try {
      return latestVersions(await new ClickhouseSink(clickhouse).latestStatuses());
    } finally {
      await clickhouse.close();
    }
  }

  /**
   * The run's committed telemetry offsets: how many partitions have one, and their sum
   * (what a restart resumes from).
   */
  async committed(): Promise<{ partitions: number; sum: bigint }> {
    const admin = await connectAdmin(this.kafka, this.config.kafka);
    try {
      const [topic] = await admin.fetchOffsets({
        groupId: this.config.consumerGroup,
        topics: [this.config.topics.telemetry.name],
      });
      const offsets = (topic?.partitions ?? []).map((p) => BigInt(p.offset)).filter((o) => o >= 0n);
      return { partitions: offsets.length, sum: offsets.reduce((a, b) => a + b, 0n) };
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Follows the status topic from the beginning: the latest version of each status, and
   * every version whose repeat was not the same bytes (there must be none).
   */
  async followStatuses(): Promise<StatusTopicReader> {
    const reader = new StatusTopicReader(this.kafka.consumer({ groupId: `test-${this.tag}-reader` }));
    await reader.start(this.config.topics.statuses.name);
    return reader;
  }
}

export interface InProcessRun {
  readonly log: string[];
  /** The HTTP server's URL once it listens (empty before). */
  url(): string;
  /** Why the run ended, if it ended before `stop()`. */
  failure(): unknown;
  stop(): Promise<void>;
}

export class StatusTopicReader {
  readonly latest = new Map<string, GroupStatus>();
  readonly differingRepeats: string[] = [];
  private readonly seen = new Map<string, string>();

  constructor(private readonly consumer: Consumer) {}

  async start(topic: string): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        const json = message.value!.toString();
        const status = JSON.parse(json) as GroupStatus;
        const id = `${statusKey(status)}#${status.version}`;
        const previous = this.seen.get(id);
        if (previous !== undefined && previous !== json) this.differingRepeats.push(id);
        this.seen.set(id, json);
        const current = this.latest.get(statusKey(status));
        if (!current || current.version < status.version) this.latest.set(statusKey(status), status);
      },
    });
  }

  /** Windows with at least one status on the topic. */
  get windows(): number {
    return new Set([...this.latest.values()].map((s) => s.windowEnd)).size;
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }
}

/** The statuses up to and including the window ending at `lastWindow`. */
export function upTo(statuses: Map<string, GroupStatus>, lastWindow: number): Map<string, GroupStatus> {
  return new Map([...statuses].filter(([, s]) => s.windowEnd <= lastWindow));
}

function latestVersions(statuses: readonly GroupStatus[]): Map<string, GroupStatus> {
  const latest = new Map<string, GroupStatus>();
  for (const status of statuses) {
    const current = latest.get(statusKey(status));
    if (!current || current.version < status.version) latest.set(statusKey(status), status);
  }
  return latest;
}

/** Waits until `done()` holds, checking every `everyMs`, or throws after `timeoutMs` saying what it waited for. */
export async function waitFor(
  what: string,
  done: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * Waits until the status topic holds `count` statuses of the windows up to `lastWindow`,
 * or the in-process run has ended by itself (the test's own checks then say how).
 */
export function everyWindowOnTopic(
  reader: StatusTopicReader,
  lastWindow: number,
  count: number,
  run: InProcessRun,
  timeoutMs: number,
): Promise<void> {
  return waitFor(
    'every window up to the last on the status topic',
    () => upTo(reader.latest, lastWindow).size >= count || run.failure() !== undefined,
    timeoutMs,
  );
}

/** A failed wait of a test on an in-process run, with how far the topic got and what the run logged last. */
export function withRunLog(error: unknown, reader: StatusTopicReader, run: InProcessRun): Error {
  return new Error(
    `${(error as Error).message}; ${reader.windows} windows on the topic; the run said:\n${run.log.slice(-40).join('\n')}`,
  );
}

/** A failed wait of a test on instances run as processes, with how far the topic got and the end of each one's output. */
export function withInstanceLogs(
  error: unknown,
  reader: StatusTopicReader,
  instances: readonly (LiveInstance | undefined)[],
): Error {
  const logs = instances.map((i) => (i ? `--- ${i.name}:\n${i.output.slice(-4000)}` : '')).join('\n');
  return new Error(`${(error as Error).message}; ${reader.windows} windows on the topic\n${logs}`);
}
