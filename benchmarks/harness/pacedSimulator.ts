import { Type } from 'avsc';
import { createKafka } from '../../pipelines/io/kafka/kafkaClient';
import { telemetryBatchSchema, telemetrySchema } from '../../pipelines/io/registry/telemetrySchemas';
import { DerstreamConfig } from '../../topologies/config';
import { ConfluentEncoder } from '../../pipelines/io/registry/confluentWire';
import { TelemetryReading } from '../../pipelines/telemetryReading';
import { createFleet, fleetReadings } from '../simulator/fleet';
import { recordKey, recordReadings, simulatorRecords } from '../simulator/fleetProducer';
import { GatewayBatching } from '../simulator/gatewayBatches';
import { librdkafkaSender } from '../simulator/librdkafkaSender';
import { PreparedRecords } from '../simulator/preparedRecords';
import { RecordQueue } from '../simulator/recordQueue';
import { kafkajsSender, RecordSender } from '../simulator/recordSender';
import { EMISSION } from './fleetProduction';
import { WindowClosings } from './windowClosings';

/** The latency scenario's simulator: its fleet, and how it sends. */
export interface PacedSimulatorSpec {
  devices: number;
  groups: number;
  seed: number;
  intervalMs: number;
  durationMs: number;
  schemaId: number;
  windowMs: number;
  outOfOrdernessMs: number;
  partitions: number;
  /** Send TelemetryBatch records through these gateways (`schemaId` is the batch schema's). */
  gateways?: GatewayBatching;
}

export interface PacedSimulatorRun {
  /** Readings sent. */
  sent: number;
  /** Kafka records sent: a gateway's batch is one. */
  messages: number;
  /** [window end, when the reading that let it close was due, when it was sent] (see WindowClosings). */
  closings: [number, number, number][];
}

export interface PacedSimulator {
  /** The Kafka client it sends with: librdkafka, or kafkajs and why. */
  client: string;
  /**
   * Makes and encodes every record of a run (the fleet's readings, the same fleet as the
   * harness's, from the same seed, without held-back readings, for the spec's duration;
   * one a record or in gateways' batches), for a start it picks far enough ahead for
   * the making to be done by then (see {@link PreparedRecords} for why). Throws if the
   * making overran that start. `onMaking` hears how many are made of how many expected
   * (from the timed sample), every {@link MAKING_REPORT_EVERY} records: the making takes
   * minutes at the soak's rates.
   */
  prepare(onMaking?: (made: number, expected: number) => void): Promise<PreparedRun>;
}

export interface PreparedRun {
  /** When its first reading is measured, epoch ms. */
  start: number;
  end: number;
  /** Records made. */
  records: number;
  /**
   * Sends the records to the configured telemetry topic, each at its arrival time on
   * the wall clock (never before); once, as it closes the client at the end. `onRecord`
   * sees each record's arrival as it is queued.
   */
  send(options?: { signal?: AbortSignal; onRecord?: (arrival: number) => void }): Promise<PacedSimulatorRun>;
}

/** Records a request holds (single readings; a gateway's batch counts its readings). */
const READINGS_A_REQUEST = 2000;
/** A run is made this much ahead of the time its making is expected to take, and then some. */
const PREPARE_MARGIN = 1.5;
const PREPARE_SLACK_MS = 3000;
/** Of the run, the span made first, untimed, for V8 to compile the making. */
const WARM_UP_MS = 2000;
/** Of the run, the span made next to time the making. */
const SAMPLE_MS = 6000;
/** Records made between two reports of the making (a power of two: one mask a record). */
const MAKING_REPORT_EVERY = 1 << 16;

/**
 * The simulator of the latency scenario, ready to prepare and send: its fleet made and
 * its Kafka client connected. Run in a process of its own by the latency scenario
 * (pacedSimulatorProcess.ts), and alone by benchmarks/simulator/pacedCost.ts to measure
 * what it costs.
 */
export async function pacedSimulator(
  spec: PacedSimulatorSpec,
  config: DerstreamConfig,
): Promise<PacedSimulator> {
  const fleet = createFleet({
    devices: spec.devices,
    groups: spec.groups,
    seed: spec.seed,
    intervalMs: spec.intervalMs,
  });
  const native = await librdkafkaSender(config.kafka);
  const topic = config.topics.telemetry.name;
  const type = Type.forSchema((spec.gateways ? telemetryBatchSchema() : telemetrySchema(1)) as never);
  const make = (start: number, durationMs: number, onRecords?: (made: number) => void) => {
    const records = new PreparedRecords(start);
    const encoder = new ConfluentEncoder(spec.schemaId, type);
    // A window's closing reading is known by its record's index here; when it is sent,
    // by the wall clock as the index goes out.
    const closings = new WindowClosings(
      topic,
      spec.partitions,
      spec.windowMs,
      spec.outOfOrdernessMs,
      () => records.length,
    );
    const readings = fleetReadings(fleet, {
      ...EMISSION,
      lateShare: 0,
      seed: spec.seed + 1,
      start,
      end: start + durationMs,
    });
    const all = simulatorRecords(readings, spec.gateways);
    const single: TelemetryReading[] = [];
    for (let next = all.next(); !next.done; next = all.next()) {
      const [arrival, record] = next.value;
      const key = recordKey(record);
      const carried = recordReadings(record, single);
      // A reading reaches its partition (the record's key's) when its record is sent.
      for (const reading of carried) closings.add(key, reading.ts, arrival);
      records.add(arrival, key, encoder.encode(record), carried.length);
      if ((records.length & (MAKING_REPORT_EVERY - 1)) === 0) onRecords?.(records.length);
    }
    return { records, closings: closings.closings() };
  };
  return {
    client:
      'unavailable' in native ? `kafkajs (librdkafka unavailable: ${native.unavailable})` : 'librdkafka',
    async prepare(onMaking) {
      // The making's rate is timed on a span after an untimed one (V8 compiles the making
      // on the first). A span also pays a cost of its own (the fleet's schedule over every
      // device), which the estimate keeps: on a 2 s span that made it 2.6 times the
      // making (816 k devices), and the run sat idle for minutes. Taking that cost apart
      // (a 2 s and a 6 s span) once estimated 0.6 of it, with V8's young generation at 32 MB,
      // and the making overran its start.
      make(Date.now(), Math.min(WARM_UP_MS, spec.durationMs));
      const sampleMs = Math.min(SAMPLE_MS, spec.durationMs);
      const sampledAt = performance.now();
      const sample = make(Date.now(), sampleMs).records.length;
      const expectedMs = ((performance.now() - sampledAt) * spec.durationMs) / sampleMs;
      const expected = Math.round((sample * spec.durationMs) / sampleMs);
      const start = Math.ceil((Date.now() + expectedMs * PREPARE_MARGIN + PREPARE_SLACK_MS) / 1000) * 1000;
      const { records, closings } = make(start, spec.durationMs, (made) => onMaking?.(made, expected));
      if (Date.now() > start)
        throw new Error(
          `making the run's ${records.length} records overran its start by ${Date.now() - start} ms: the machine is busier than the sample of its first ${sampleMs} ms said`,
        );
      return {
        start,
        end: start + spec.durationMs,
        records: records.length,
        send: (options = {}) =>
          sendPrepared(records, closings, {
            ...options,
            topic,
            batchSize: Math.max(1, Math.floor(READINGS_A_REQUEST / (spec.gateways?.readings ?? 1))),
            sender: 'unavailable' in native ? () => kafkajsSender(createKafka(config.kafka)) : () => native,
          }),
      };
    },
  };
}

/**
 * Sends prepared records, each at its arrival on the wall clock; the closings made with
 * them (the last partition's closing record by index) are returned with the wall-clock
 * time that record was queued.
 */
async function sendPrepared(
  records: PreparedRecords,
  closings: [number, number, number][],
  options: {
    topic: string;
    batchSize: number;
    sender: () => RecordSender | Promise<RecordSender>;
    signal?: AbortSignal;
    onRecord?: (arrival: number) => void;
  },
): Promise<PacedSimulatorRun> {
  const closers = [...new Set(closings.map(([, , index]) => index))].sort((a, b) => a - b);
  const queuedAt = new Map<number, number>();
  let nextCloser = 0;
  const queue = new RecordQueue(await options.sender(), options.topic, options.batchSize);
  try {
    for (let index = 0; index < records.length; index++) {
      if (options.signal?.aborted) break;
      const arrival = records.arrivalOf(index);
      if (arrival > Date.now()) await queue.sendAndWaitUntil(arrival);
      if (index === closers[nextCloser]) {
        queuedAt.set(index, Date.now());
        nextCloser++;
      }
      options.onRecord?.(arrival);
      if (queue.add(records.keyOf(index), records.valueOf(index), records.readingsOf(index)))
        await queue.sendFull();
    }
    await queue.settled();
  } finally {
    await queue.close();
  }
  return {
    sent: queue.sent,
    messages: queue.messages,
    closings: closings
      .filter(([, , index]) => queuedAt.has(index))
      .map(([windowEnd, due, index]) => [windowEnd, due, queuedAt.get(index)!]),
  };
}
