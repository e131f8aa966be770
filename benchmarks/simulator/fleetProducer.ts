import { Type } from 'avsc';
import { Kafka, Message } from 'kafkajs';
import { requestChunks } from '../../pipelines/io/kafka/requestChunks';
import { ConfluentEncoder } from '../../pipelines/io/registry/confluentWire';
import { TelemetryReading } from '../../pipelines/telemetryReading';
import { Fleet } from './fleet';
import { GatewayBatch, GatewayBatching, gatewayBatches } from './gatewayBatches';
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
  const producer = options.sender ?? (await kafkajsSender(kafka));
  const perRecord = options.gateways?.readings ?? 1;
  const batchSize = Math.max(1, Math.floor((options.batchSize ?? 2000) / perRecord));
  // A record is a reading or a gateway's batch, taken apart in the loop below: an
  // object and an array made per reading to wrap it were an eighth of the simulator's time.
  const records: Iterator<[number, TelemetryReading | GatewayBatch]> = options.gateways
    ? gatewayBatches(readings, options.gateways)
    : readings[Symbol.iterator]();
  const single: TelemetryReading[] = [];
  const encoder = new ConfluentEncoder(options.schemaId, options.type);
  let batch: Message[] = [];
  let pending = 0;
  let sent = 0;
  let messages = 0;
  // One request in flight while the next fills, sent as soon as the one before is
  // acknowledged: waiting for each acknowledgement before making more readings held the
  // paced simulator to a request per round trip, below the rates the soak asks for.
  let inFlight: Promise<void> | undefined;
  let failure: unknown;
  const sendFilled = () => {
    if (inFlight || batch.length === 0 || failure !== undefined) return;
    const request = batch;
    const readings = pending;
    batch = [];
    pending = 0;
    inFlight = producer.send(options.topic, request).then(
      () => {
        sent += readings;
        messages += request.length;
        inFlight = undefined;
        options.onProgress?.(sent, messages);
        sendFilled();
      },
      (error: unknown) => {
        failure = error;
        inFlight = undefined;
      },
    );
  };
  const settled = async () => {
    while (inFlight) await inFlight;
    if (failure !== undefined) throw failure;
  };
  try {
    for (let next = records.next(); !next.done; next = records.next()) {
      const [arrival, record] = next.value;
      if (failure !== undefined) throw failure;
      if (options.signal?.aborted) break;
      if (options.paced && arrival > Date.now()) {
        sendFilled();
        // A timer may fire a millisecond early by the wall clock (libuv counts from the
        // time it cached at the loop's start), and a reading is never sent before its arrival.
        for (let wait = arrival - Date.now(); wait > 0; wait = arrival - Date.now())
          await new Promise((resolve) => setTimeout(resolve, wait));
      }
      let key: string;
      let carried: TelemetryReading[];
      if ('gatewayId' in record) {
        key = record.gatewayId;
        carried = record.readings;
      } else {
        key = record.deviceId;
        single[0] = record;
        carried = single;
      }
      options.onRecord?.(arrival, key, carried);
      batch.push({ key, value: encoder.encode(record) });
      pending += carried.length;
      if (batch.length >= batchSize) {
        if (inFlight) await inFlight;
        sendFilled();
      }
    }
    sendFilled();
    await settled();
  } finally {
    await settled().catch(() => undefined);
    await producer.close();
  }
  return sent;
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
