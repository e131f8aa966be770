import { Type } from 'avsc';
import { Kafka } from 'kafkajs';
import { requestChunks } from '../../pipelines/io/kafka/requestChunks';
import { ConfluentEncoder } from '../../pipelines/io/registry/confluentWire';
import { TelemetryReading } from '../../pipelines/telemetryReading';
import { Fleet } from './fleet';
import { GatewayBatch, GatewayBatching, gatewayBatches } from './gatewayBatches';
import { RecordQueue } from './recordQueue';
import { kafkajsSender, RecordSender } from './recordSender';

export interface FleetProducerOptions {
  topic: string;
  schemaId: number;
  /** The writer schema registered under `schemaId`. */
  type: Type;
  /** Wait for each reading's arrival time on the wall clock (live), or send at once (benchmarks). */
  paced: boolean;
  /** Readings per produce request. */
  batchSize?: number;
  /**
   * Send the readings in gateway batches (`TelemetryBatch`, written with `schemaId` and
   * `type`, keyed by gateway) instead of one per record (`TelemetryReading`, keyed by device).
   */
  gateways?: GatewayBatching;
  signal?: AbortSignal;
  /** After each produce request: readings and records sent so far. */
  onProgress?: (sent: number, messages: number) => void;
  /**
   * Each record as it is queued to be sent: when, its key, the readings it carries (an
   * array reused from one record to the next: read it during the call).
   */
  onRecord?: (at: number, key: string, readings: readonly TelemetryReading[]) => void;
  /** What sends the records (closed at the end); a kafkajs producer of `kafka` when absent. */
  sender?: RecordSender;
}

/**
 * Produces readings to Kafka as Avro in Confluent's wire format, keyed by device mRID
 * (or gateway) so each device's readings stay in order on one partition. Returns how
 * many readings it sent.
 */
export async function produceReadings(
  kafka: Kafka,
  readings: Iterable<[number, TelemetryReading]>,
  options: FleetProducerOptions,
): Promise<number> {
  const queue = new RecordQueue(
    options.sender ?? (await kafkajsSender(kafka)),
    options.topic,
    Math.max(1, Math.floor((options.batchSize ?? 2000) / (options.gateways?.readings ?? 1))),
    options.onProgress,
  );
  const single: TelemetryReading[] = [];
  const encoder = new ConfluentEncoder(options.schemaId, options.type);
  const records = simulatorRecords(readings, options.gateways);
  try {
    for (let next = records.next(); !next.done; next = records.next()) {
      const [arrival, record] = next.value;
      if (options.signal?.aborted) break;
      if (options.paced && arrival > Date.now()) await queue.sendAndWaitUntil(arrival);
      const key = recordKey(record);
      const carried = recordReadings(record, single);
      options.onRecord?.(arrival, key, carried);
      if (queue.add(key, encoder.encode(record), carried.length)) await queue.sendFull();
    }
    await queue.settled();
  } finally {
    await queue.close();
  }
  return queue.sent;
}

/**
 * The records that carry `readings`: one a reading, or gateways' batches. Each record
 * is taken apart where it is sent (recordKey, recordReadings): an object and an array
 * made per reading to wrap it were an eighth of the simulator's time.
 */
export function simulatorRecords(
  readings: Iterable<[number, TelemetryReading]>,
  gateways: GatewayBatching | undefined,
): Iterator<[number, TelemetryReading | GatewayBatch]> {
  return gateways ? gatewayBatches(readings, gateways) : readings[Symbol.iterator]();
}

/** What a record is keyed by: its device, or its gateway. */
export function recordKey(record: TelemetryReading | GatewayBatch): string {
  return 'gatewayId' in record ? record.gatewayId : record.deviceId;
}

/** The readings a record carries: a lone reading in `single`, reused from one record to the next. */
export function recordReadings(
  record: TelemetryReading | GatewayBatch,
  single: TelemetryReading[],
): TelemetryReading[] {
  if ('gatewayId' in record) return record.readings;
  single[0] = record;
  return single;
}

/**
 * Puts the fleet's membership on the groups topic, one record per group keyed by its
 * mRID (the compacted topic keeps each group's latest), so a pipeline started before or
 * after the simulator knows the groups. In requests the broker takes: a large fleet's
 * membership is tens of megabytes.
 */
export async function publishFleetGroups(kafka: Kafka, topic: string, fleet: Fleet): Promise<void> {
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  try {
    const messages = fleet.groups.map((group) => ({ key: group.mRID, value: JSON.stringify(group) }));
    for (const topicMessages of requestChunks([{ topic, messages }]))
      await producer.sendBatch({ acks: -1, topicMessages });
  } finally {
    await producer.disconnect();
  }
}
