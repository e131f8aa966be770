import { Type } from 'avsc';
import { Kafka, Message, Producer } from 'kafkajs';
import { encodeConfluent } from '../../pipelines/io/registry/confluentWire';
import { TelemetryReading } from '../../pipelines/telemetryReading';

export interface FleetProducerOptions {
  topic: string;
  schemaId: number;
  /** The writer schema registered under `schemaId`. */
  type: Type;
  /** Wait for each reading's arrival time on the wall clock (live), or send at once (benchmarks). */
  paced: boolean;
  /** Records per produce request. */
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (sent: number) => void;
}

/**
 * Produces readings to Kafka as Avro in Confluent's wire format, keyed by device mRID
 * so each device's readings stay in order on one partition. Returns how many it sent.
 */
export async function produceReadings(
  kafka: Kafka,
  readings: Iterable<[number, TelemetryReading]>,
  options: FleetProducerOptions,
): Promise<number> {
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true });
  await producer.connect();
  const batchSize = options.batchSize ?? 2000;
  let batch: Message[] = [];
  let sent = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await producer.send({ topic: options.topic, messages: batch, acks: -1 });
    sent += batch.length;
    batch = [];
    options.onProgress?.(sent);
  };
  try {
    for (const [arrival, reading] of readings) {
      if (options.signal?.aborted) break;
      if (options.paced && arrival > Date.now()) {
        await flush();
        const wait = arrival - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      batch.push({ key: reading.deviceId, value: encodeConfluent(options.schemaId, options.type, reading) });
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  } finally {
    await producer.disconnect();
  }
  return sent;
}
