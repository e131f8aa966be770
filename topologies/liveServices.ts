import { Consumer, Kafka, Producer } from 'kafkajs';
import { ClickhouseExecutor, openClickhouse } from '../pipelines/io/clickhouse/clickhouseExecutor';
import { ClickhouseSink } from '../pipelines/io/clickhouse/clickhouseSink';
import { migrate } from '../pipelines/io/clickhouse/migrations';
import { PipelineMetrics } from '../pipelines/io/http/pipelineMetrics';
import { connectAdmin, createKafka, FETCH_WAIT_MS } from '../pipelines/io/kafka/kafkaClient';
import { followMembership } from '../pipelines/io/kafka/membershipSource';
import { ensureTopics } from '../pipelines/io/kafka/topicSetup';
import { connectRegistry } from '../pipelines/io/registry/schemaRegistry';
import { TelemetryDecoder } from '../pipelines/io/registry/telemetryDecoder';
import { MembershipState } from '../pipelines/membership/membershipState';
import { DerstreamConfig } from './config';
import { MembershipHistory } from './membershipHistory';

export interface LiveServicesOptions {
  log: (line: string) => void;
  /** Wraps the ClickHouse executor once opened (tests inject faults through it). */
  clickhouse?: (opened: ClickhouseExecutor) => ClickhouseExecutor;
  /** Ends the retries of the membership history's writes (the run's stop). */
  signal?: AbortSignal;
}

/** What every `derstream run` instance talks to, opened and ready, whichever stages it runs. */
export interface LiveServices {
  readonly kafka: Kafka;
  readonly decoder: TelemetryDecoder;
  readonly clickhouse: ClickhouseExecutor;
  /** Writes through it feed the ClickHouse insert metrics. */
  readonly sink: ClickhouseSink;
  readonly metrics: PipelineMetrics;
  /** Group membership, following `der.groups` from its beginning. */
  readonly membership: MembershipState;
  /** Idempotent, one request in flight: acknowledged sends keep their order. */
  readonly producer: Producer;
  /** kafkajs's default (3 s) must stay below a third of the session timeout. */
  readonly heartbeatIntervalMs: number;
  /** A consumer of the telemetry settings (fetch size, session timeout) in `groupId`. */
  consumer(groupId: string): Consumer;
  /** Disconnects the membership follower and the producer, waits for the membership history, then closes ClickHouse. */
  close(): Promise<void>;
}

/**
 * Creates the topics, connects the registry, opens ClickHouse and migrates it, reads
 * the groups and connects the producer.
 */
export async function openLiveServices(
  config: DerstreamConfig,
  options: LiveServicesOptions,
): Promise<LiveServices> {
  const { log } = options;
  const topics = config.topics;
  const kafka = createKafka(config.kafka);
  const admin = await connectAdmin(kafka, config.kafka);
  await ensureTopics(admin, Object.values(topics));
  await admin.disconnect();
  const decoder = new TelemetryDecoder(await connectRegistry(config.registry));
  const opened = await openClickhouse(config.clickhouse);
  const clickhouse = options.clickhouse?.(opened) ?? opened;
  await migrate(clickhouse);
  const metrics = new PipelineMetrics();
  const sink = new ClickhouseSink({
    description: clickhouse.description,
    command: (sql, params) => clickhouse.command(sql, params),
    query: (sql, params) => clickhouse.query(sql, params),
    insert: async (table, rows) => {
      const done = metrics.clickhouseInsertDuration.startTimer({ table });
      await clickhouse.insert(table, rows);
      done();
      metrics.clickhouseInsertedRows.inc({ table }, rows.length);
    },
    insertRowBinary: async (table, rows) => {
      const done = metrics.clickhouseInsertDuration.startTimer({ table });
      await clickhouse.insertRowBinary(table, rows);
      done();
      metrics.clickhouseInsertedRows.inc({ table }, rows.count);
    },
    close: () => clickhouse.close(),
  });

  const membership = new MembershipState();
  const history = new MembershipHistory(sink, await sink.membershipHistoryThrough(), log, options.signal);
  const groupsConsumer = await followMembership(
    kafka,
    topics.groups.name,
    (version, partition, offset) => {
      membership.apply(version);
      history.add({ version, partition, offset });
    },
    (error, position) => log(`groups: skipped ${position}: ${error.message}`),
  );
  log(`groups: ${membership.groupIds().length} groups from ${topics.groups.name}`);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const heartbeatIntervalMs = Math.min(3000, Math.floor(config.kafka.sessionTimeoutMs / 3));

  return {
    kafka,
    decoder,
    clickhouse,
    sink,
    metrics,
    membership,
    producer,
    heartbeatIntervalMs,
    consumer: (groupId) =>
      kafka.consumer({
        groupId,
        maxBytesPerPartition: config.kafka.fetchBytesPerPartition,
        maxBytes: config.kafka.fetchMaxBytes,
        // Also how long, with every partition paused, kafkajs sleeps before looking again.
        maxWaitTimeInMs: FETCH_WAIT_MS,
        minBytes: config.kafka.fetchMinBytes,
        sessionTimeout: config.kafka.sessionTimeoutMs,
        heartbeatInterval: heartbeatIntervalMs,
      }),
    close: async () => {
      await Promise.allSettled([groupsConsumer.disconnect(), producer.disconnect()]);
      await history.drain();
      await clickhouse.close();
    },
  };
}
