/**
 * What producing costs the producer's process, on the local broker: the CPU of every
 * thread per message sent (kafkajs works on the event loop; librdkafka on threads of its
 * own, which count too) and the time a window's statuses take to be acknowledged. A
 * script to run by hand, not a test: timings depend on the machine, and this one is
 * shared.
 *
 *   npx tsx benchmarks/kafka/producerCost.ts [kafkajs|confluent|librdkafka] [messages]
 *
 * `confluent` is Confluent's librdkafka client (`@confluentinc/kafka-javascript`, an
 * optional dependency) through its KafkaJS-style API; `librdkafka` is the same client's
 * native `produce()` as the simulator sends with (librdkafkaSender.ts), which has no
 * acknowledgement per send, so only its telemetry figure is measured (up to the flush
 * that acknowledges everything). All send the same messages to the same broker,
 * idempotent, acks = all:
 * - telemetry as the simulator sends it: 70-byte values keyed by device, sends of
 *   2,000 messages, one waiting while the one before is acknowledged;
 * - a window's statuses as the pipeline sends them: 1,000 values of 391 bytes keyed by
 *   group with two headers, in one send, from the call to the acknowledgement.
 */
import { Message } from 'kafkajs';
import { connectAdmin, createKafka } from '../../pipelines/io/kafka/kafkaClient';
import { KafkaConfig } from '../../pipelines/io/kafka/kafkaConfig';
import { loadConfig } from '../../topologies/config';
import { importConfluentClient, librdkafkaSender } from '../simulator/librdkafkaSender';
import { RecordSender } from '../simulator/recordSender';
import { runScript } from '../harness/runScript';

const client = process.argv[2] ?? 'kafkajs';
const count = Number(process.argv[3] ?? 1_000_000);
const SEND = 2000;
const STATUS_ROUNDS = 40;

/** The part of the client's KafkaJS-style API used here (an optional package: no types from it). */
interface KafkaJsStyleClient {
  KafkaJS: {
    Kafka: new (config: object) => {
      producer(config: object): {
        connect(): Promise<void>;
        send(record: { topic: string; messages: Message[] }): Promise<unknown>;
        disconnect(): Promise<void>;
      };
    };
  };
}

interface Sender extends RecordSender {
  /** Whether a send resolves on its acknowledgement. */
  acknowledged: boolean;
}

async function sender(config: KafkaConfig): Promise<Sender> {
  if (client === 'kafkajs') {
    const producer = createKafka(config).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    return {
      acknowledged: true,
      async send(topic, messages) {
        await producer.sendBatch({ topicMessages: [{ topic, messages }], acks: -1 });
      },
      close: () => producer.disconnect(),
    };
  }
  if (client === 'librdkafka') {
    const native = await librdkafkaSender(config);
    if ('unavailable' in native) throw new Error(native.unavailable);
    return { ...native, acknowledged: false };
  }
  if (client !== 'confluent') throw new Error(`client: kafkajs, confluent or librdkafka, not ${client}`);
  const { KafkaJS } = await importConfluentClient<KafkaJsStyleClient>();
  const producer = new KafkaJS.Kafka({ kafkaJS: { brokers: config.brokers, logLevel: 0 } }).producer({
    kafkaJS: { idempotent: true, acks: -1 },
    'linger.ms': 5,
  });
  await producer.connect();
  return {
    acknowledged: true,
    async send(topic, messages) {
      await producer.send({ topic, messages });
    },
    close: () => producer.disconnect(),
  };
}

const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))]!;

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const admin = await connectAdmin(createKafka(config.kafka), config.kafka);
  const topic = `bench-producer-cost-${Date.now()}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 12 }], waitForLeaders: true });
  const producer = await sender(config.kafka);
  try {
    const value = Buffer.alloc(70, 7);
    const telemetry = Array.from({ length: count }, (_, i) => ({
      key: `device-${String(i % 100_000).padStart(6, '0')}`,
      value,
    }));
    const cpu = process.cpuUsage();
    const started = performance.now();
    let waiting: Promise<unknown> | undefined;
    for (let i = 0; i < count; i += SEND) {
      const sent = producer.send(topic, telemetry.slice(i, i + SEND));
      if (waiting) await waiting;
      waiting = sent;
    }
    await waiting;
    if (!producer.acknowledged) await producer.close();
    const used = process.cpuUsage(cpu);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${client}: ${count} telemetry messages: ${Math.round(count / seconds / 1000)} k/s, ` +
        `CPU ${((used.user + used.system) / count).toFixed(2)} µs a message`,
    );
    if (!producer.acknowledged) return;

    const walls: number[] = [];
    const cpus: number[] = [];
    for (let round = 0; round < STATUS_ROUNDS; round++) {
      const statuses = Array.from({ length: 1000 }, (_, i) => ({
        key: `group-${i}`,
        value: Buffer.alloc(391, 1),
        headers: { 'derstream-window-end': String(round * 60_000), 'derstream-version': '1' },
      }));
      const before = process.cpuUsage();
      const at = performance.now();
      await producer.send(topic, statuses);
      const spent = process.cpuUsage(before);
      if (round >= 5) {
        walls.push(performance.now() - at);
        cpus.push((spent.user + spent.system) / 1000);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    console.log(
      `${client}: 1,000 statuses to their acknowledgement: p50 ${quantile(walls, 0.5).toFixed(1)} ms, ` +
        `p90 ${quantile(walls, 0.9).toFixed(1)} ms; CPU p50 ${quantile(cpus, 0.5).toFixed(1)} ms`,
    );
  } finally {
    if (producer.acknowledged) await producer.close();
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  }
}

runScript('producerCost', main);
