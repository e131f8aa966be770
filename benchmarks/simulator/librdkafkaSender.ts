import { Message } from 'kafkajs';
import { KafkaConfig } from '../../pipelines/io/kafka/kafkaConfig';
import { RecordSender } from './recordSender';

/** The part of `@confluentinc/kafka-javascript`'s native producer used here. */
interface NativeProducer {
  connect(options: object, callback: (error: Error | null) => void): void;
  setPollInterval(ms: number): void;
  on(event: 'event.error', listener: (error: Error & { isFatal?: boolean }) => void): void;
  produce(topic: string, partition: null, value: Buffer, key: Buffer | string): void;
  flush(timeoutMs: number, callback: (error: Error | null) => void): void;
  disconnect(callback: () => void): void;
}

type NativeModule = { Producer: new (settings: Record<string, unknown>) => NativeProducer };

/**
 * `@confluentinc/kafka-javascript`'s exports, or a rejection when it is not installed.
 * A CommonJS module: under an ES module loader (tsx) its exports are under `default`.
 */
export async function importConfluentClient<T>(): Promise<T> {
  const loaded = (await import('@confluentinc/kafka-javascript' as string)) as T & { default?: T };
  return loaded.default ?? loaded;
}

/** How long close() waits for what was queued to be acknowledged. */
const FLUSH_TIMEOUT_MS = 60_000;

/**
 * The simulator's records through librdkafka (Confluent's JavaScript client, its native
 * `produce()`), when it is installed (an optional dependency, built by ops/install.sh)
 * and the brokers are plaintext, as the local stack's are; otherwise `{ unavailable }`,
 * the reason, and the simulator uses kafkajs.
 *
 * Why: sending costs the simulator about 1.9 µs of CPU a message this way against
 * kafkajs's 9 µs (benchmarks/kafka/producerCost.ts), and the simulator shares the
 * machine's two cores with the pipeline and the broker it is measuring. Not through the
 * client's KafkaJS-style API: its promise per message cost 8 µs. Keys are placed as
 * kafkajs places them (murmur2, as Java's clients do), so the harness knows which
 * partition each reading reaches. No delivery report per message (3.5 µs more each
 * through a callback; without one, librdkafka still made a report per message for the
 * poll to serve, 0.4 µs each, until told to report errors only): the producer is
 * idempotent and retries until delivered, a fatal error stops the run, and close() waits
 * until everything queued is acknowledged.
 */
export async function librdkafkaSender(config: KafkaConfig): Promise<RecordSender | { unavailable: string }> {
  if ((config.securityProtocol ?? 'PLAINTEXT') !== 'PLAINTEXT')
    return { unavailable: `the brokers are ${config.securityProtocol}, kept to kafkajs here` };
  let native: NativeModule;
  try {
    native = await importConfluentClient<NativeModule>();
  } catch (error) {
    return { unavailable: `@confluentinc/kafka-javascript is not installed (${(error as Error).message})` };
  }
  const producer = new native.Producer({
    'metadata.broker.list': config.brokers.join(','),
    'client.id': `${config.clientId}-simulator`,
    'enable.idempotence': true,
    partitioner: 'murmur2_random',
    'linger.ms': 5,
    'queue.buffering.max.messages': 1_000_000,
    dr_cb: false,
    'delivery.report.only.error': true,
  });
  let failure: Error | undefined;
  producer.on('event.error', (error) => {
    if (error.isFatal) failure ??= error;
  });
  await new Promise<void>((resolve, reject) =>
    producer.connect({}, (error) => (error ? reject(error) : resolve())),
  );
  producer.setPollInterval(100);
  const queue = (topic: string, key: Buffer | string, value: Buffer): boolean => {
    if (failure) throw failure;
    try {
      producer.produce(topic, null, value, key);
      return true;
    } catch (error) {
      if (/queue full/i.test((error as Error).message)) return false;
      throw error;
    }
  };
  return {
    queue,
    async send(topic: string, messages: Message[]) {
      for (const message of messages)
        // The client's queue is full: wait for it to drain some.
        while (!queue(topic, message.key as Buffer | string, message.value as Buffer))
          await new Promise((resolve) => setTimeout(resolve, 5));
    },
    async close() {
      try {
        await new Promise<void>((resolve, reject) =>
          producer.flush(FLUSH_TIMEOUT_MS, (error) => (error ? reject(error) : resolve())),
        );
        if (failure) throw failure;
      } finally {
        await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
      }
    },
  };
}
