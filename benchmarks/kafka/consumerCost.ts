/**
 * What consuming costs with each Kafka client for Node that can be had here, on the
 * local broker: every client reads the same topic of telemetry-sized records from the
 * beginning, in a consumer group of its own, doing nothing with them but count, and
 * reports the rate once running (first delivery to last) and the CPU each record cost
 * its process's threads over that span. It answers whether kafkajs, which the pipeline
 * consumes with and the consume-ceiling scenario measures, is what limits a Node
 * consumer. A script to run by hand, not a test: timings depend on the machine, and this
 * one is shared.
 *
 *   npx tsx benchmarks/kafka/consumerCost.ts [records] [rounds] [client,…]
 *
 * Defaults: 2,000,000 records (70-byte values keyed by device, as the fleet's are),
 * 12 partitions, 2 rounds of every client (or those named) one after the other. The
 * clients:
 * - `kafkajs`: `eachBatch`, the pipeline's fetch size per partition (4 MiB), as the
 *   consume-ceiling scenario reads;
 * - `librdkafka`: Confluent's client (`@confluentinc/kafka-javascript`, an optional
 *   dependency) through its native API, `consume(1000)` in a loop;
 * - `confluent`: the same client through its KafkaJS-style API, `eachBatch`;
 * - `platformatic`: `@platformatic/kafka`, a client in TypeScript, its message stream.
 *   Not a dependency of ours (its own dependencies ask for Node 22.19): measured when
 *   installed, e.g. `npm install --no-save @platformatic/kafka@1.35.0`, else skipped.
 */
import { randomUUID } from 'node:crypto';
import { Message } from 'kafkajs';
import { connectAdmin, createKafka } from '../../pipelines/io/kafka/kafkaClient';
import { KafkaConfig } from '../../pipelines/io/kafka/kafkaConfig';
import { loadConfig } from '../../topologies/config';
import { runScript } from '../harness/runScript';
import { withStallGuard } from '../harness/stallGuard';
import { cpuPerRecordUs, formatCpuPerRecord, threadCpuMs, ThreadKind } from '../harness/threadCpu';
import { importConfluentClient, librdkafkaSender } from '../simulator/librdkafkaSender';
import { kafkajsSender, RecordSender } from '../simulator/recordSender';

const records = Number(process.argv[2] ?? 2_000_000);
const rounds = Number(process.argv[3] ?? 2);
const clients = process.argv[4]?.split(',');
const PARTITIONS = 12;
const SEND = 2000;

/** A consumer reading the topic from its start: `delivered` for every batch it hands over. */
interface Reader {
  start(delivered: (count: number) => void): Promise<void>;
  close(): Promise<void>;
}

type ReaderFactory = (
  config: KafkaConfig,
  topic: string,
  groupId: string,
) => Promise<Reader | { skipped: string }>;

/** The parts of `@confluentinc/kafka-javascript` used here (an optional package: no types from it). */
interface ConfluentClient {
  KafkaConsumer: new (
    settings: Record<string, unknown>,
    topicSettings: Record<string, unknown>,
  ) => {
    connect(options: object, callback: (error: Error | null) => void): void;
    subscribe(topics: string[]): void;
    setDefaultConsumeTimeout(ms: number): void;
    consume(count: number, callback: (error: Error | null, messages: unknown[]) => void): void;
    disconnect(callback: () => void): void;
  };
  KafkaJS: {
    Kafka: new (config: object) => {
      consumer(config: object): {
        connect(): Promise<void>;
        subscribe(subscription: { topics: string[] }): Promise<void>;
        run(options: {
          partitionsConsumedConcurrently: number;
          eachBatch: (payload: { batch: { messages: unknown[] } }) => Promise<void>;
        }): Promise<void>;
        disconnect(): Promise<void>;
      };
    };
  };
}

/** The part of `@platformatic/kafka` used here. */
interface PlatformaticClient {
  Consumer: new (options: Record<string, unknown>) => {
    consume(options: Record<string, unknown>): Promise<{
      on(event: 'data', listener: () => void): void;
      close(): Promise<void>;
    }>;
    close(force: boolean): Promise<void>;
  };
}

const READERS: Record<string, ReaderFactory> = {
  kafkajs: async (config, topic, groupId) => {
    const consumer = createKafka(config).consumer({
      groupId,
      maxBytesPerPartition: config.fetchBytesPerPartition,
    });
    return {
      async start(delivered) {
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          partitionsConsumedConcurrently: PARTITIONS,
          eachBatch: async ({ batch }) => delivered(batch.messages.length),
        });
      },
      close: () => consumer.disconnect(),
    };
  },
  librdkafka: async (config, topic, groupId) => {
    const client = await confluent();
    if ('skipped' in client) return client;
    const consumer = new client.KafkaConsumer(
      {
        'metadata.broker.list': config.brokers.join(','),
        'group.id': groupId,
        'enable.auto.commit': false,
        'max.partition.fetch.bytes': config.fetchBytesPerPartition,
      },
      { 'auto.offset.reset': 'earliest' },
    );
    let closed = false;
    let loop: Promise<void> = Promise.resolve();
    return {
      async start(delivered) {
        await new Promise<void>((resolve, reject) =>
          consumer.connect({}, (error) => (error ? reject(error) : resolve())),
        );
        consumer.subscribe([topic]);
        consumer.setDefaultConsumeTimeout(100);
        loop = (async () => {
          while (!closed) {
            const messages = await new Promise<unknown[]>((resolve, reject) =>
              consumer.consume(1000, (error, batch) => (error ? reject(error) : resolve(batch))),
            );
            if (messages.length > 0) delivered(messages.length);
          }
        })();
      },
      async close() {
        closed = true;
        await loop;
        await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
      },
    };
  },
  confluent: async (config, topic, groupId) => {
    const client = await confluent();
    if ('skipped' in client) return client;
    const consumer = new client.KafkaJS.Kafka({ kafkaJS: { brokers: config.brokers, logLevel: 0 } }).consumer(
      {
        kafkaJS: { groupId, fromBeginning: true, autoCommit: false },
        'max.partition.fetch.bytes': config.fetchBytesPerPartition,
      },
    );
    return {
      async start(delivered) {
        await consumer.connect();
        await consumer.subscribe({ topics: [topic] });
        await consumer.run({
          partitionsConsumedConcurrently: PARTITIONS,
          eachBatch: async ({ batch }) => delivered(batch.messages.length),
        });
      },
      close: () => consumer.disconnect(),
    };
  },
  platformatic: async (config, topic, groupId) => {
    let client: PlatformaticClient;
    try {
      client = (await import('@platformatic/kafka' as string)) as PlatformaticClient;
    } catch (error) {
      return { skipped: `@platformatic/kafka is not installed (${(error as Error).message.split('\n')[0]})` };
    }
    const consumer = new client.Consumer({
      groupId,
      clientId: config.clientId,
      bootstrapBrokers: config.brokers,
      maxBytesPerPartition: config.fetchBytesPerPartition,
    });
    let stream: Awaited<ReturnType<InstanceType<PlatformaticClient['Consumer']>['consume']>> | undefined;
    return {
      async start(delivered) {
        stream = await consumer.consume({ autocommit: false, topics: [topic], mode: 'earliest' });
        stream.on('data', () => delivered(1));
      },
      async close() {
        await stream?.close();
        await consumer.close(true);
      },
    };
  },
};

async function confluent(): Promise<ConfluentClient | { skipped: string }> {
  try {
    return await importConfluentClient<ConfluentClient>();
  } catch (error) {
    return { skipped: `@confluentinc/kafka-javascript is not installed (${(error as Error).message})` };
  }
}

/** Reads the whole topic with one client; its steady rate and CPU a record by thread. */
async function measure(name: string, config: KafkaConfig, topic: string, groupId: string): Promise<string> {
  const reader = await READERS[name]!(config, topic, groupId);
  if ('skipped' in reader) return `${name}: skipped, ${reader.skipped}`;
  let read = 0;
  let deliveredAt = performance.now();
  // /proc is read at the first delivery and the last only: a client delivering record by
  // record would otherwise be measured reading /proc.
  let first: { at: number; read: number; cpu: Record<ThreadKind, number> } | undefined;
  let last: { at: number; cpu: Record<ThreadKind, number> } | undefined;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  try {
    await reader.start((count) => {
      read += count;
      deliveredAt = performance.now();
      first ??= { at: performance.now(), read, cpu: threadCpuMs() };
      if (read >= records && !last) {
        last = { at: performance.now(), cpu: threadCpuMs() };
        finished();
      }
    });
    await withStallGuard(
      done,
      () => deliveredAt,
      60_000,
      () => `${name}: ${read} of ${records} records`,
    );
  } finally {
    await reader.close();
  }
  if (!first || !last) throw new Error(`${name}: read ${read} of ${records} records`);
  const span = read - first.read;
  const seconds = (last.at - first.at) / 1000;
  return (
    `${name}: ${Math.round(span / seconds / 1000)} k records/s once running; CPU µs a record: ` +
    formatCpuPerRecord(cpuPerRecordUs(first.cpu, last.cpu, span))
  );
}

async function fill(config: KafkaConfig, topic: string): Promise<void> {
  const native = await librdkafkaSender(config);
  const sender: RecordSender = 'unavailable' in native ? await kafkajsSender(createKafka(config)) : native;
  const value = Buffer.alloc(70, 7);
  for (let i = 0; i < records; i += SEND) {
    const messages: Message[] = [];
    for (let j = i; j < Math.min(records, i + SEND); j++)
      messages.push({ key: `device-${String(j % 100_000).padStart(6, '0')}`, value });
    await sender.send(topic, messages);
  }
  await sender.close();
}

async function main(): Promise<void> {
  const names = clients ?? Object.keys(READERS);
  if (!(records > 0) || !(rounds > 0) || names.some((name) => !(name in READERS)))
    throw new Error(`usage: consumerCost.ts [records > 0] [rounds > 0] [${Object.keys(READERS).join(',')}]`);
  const config = loadConfig(process.env);
  const admin = await connectAdmin(createKafka(config.kafka), config.kafka);
  const topic = `bench-consumer-cost-${randomUUID().slice(0, 8)}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  const groups: string[] = [];
  try {
    await fill(config.kafka, topic);
    for (let round = 1; round <= rounds; round++)
      for (const name of names) {
        groups.push(`${topic}-${name}-${round}`);
        console.log(`round ${round}, ${await measure(name, config.kafka, topic, groups.at(-1)!)}`);
      }
  } finally {
    await admin.deleteGroups(groups).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

runScript('consumerCost', main);
