import { Type } from 'avsc';
import { createFleet, fleetReadings } from '../simulator/fleet';
import { produceReadings } from '../simulator/fleetProducer';
import { librdkafkaSender } from '../simulator/librdkafkaSender';
import { createKafka } from '../../pipelines/io/kafka/kafkaClient';
import { telemetryBatchSchema, telemetrySchema } from '../../pipelines/io/registry/telemetrySchemas';
import { GatewayBatching } from '../simulator/gatewayBatches';
import { loadConfig } from '../../topologies/config';
import { EMISSION } from './fleetProduction';
import { WindowClosings } from './windowClosings';

/**
 * The simulator of the latency scenario in a process of its own, so that making and
 * sending readings does not share the pipeline's event loop: the fleet (the same as
 * the parent's, from the same seed), paced in real time from now for the duration,
 * without held-back readings, one a record or (with `gateways`) in gateways' batches. Started by steadyRateLatency.ts with the spec as JSON;
 * tells the parent when it starts, what it sent and when each window's closing
 * reading was due (WindowClosings).
 */
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

export type PacedSimulatorMessage =
  | { kind: 'started'; start: number; end: number }
  | {
      kind: 'done';
      start: number;
      end: number;
      sent: number;
      sentMs: number;
      /** The Kafka client it sent with: librdkafka, or kafkajs and why. */
      client: string;
      /** [window end, when the reading that let it close was due, when it was sent] (see WindowClosings). */
      closings: [number, number, number][];
    };

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]!) as PacedSimulatorSpec;
  const config = loadConfig(process.env);
  const fleet = createFleet({
    devices: spec.devices,
    groups: spec.groups,
    seed: spec.seed,
    intervalMs: spec.intervalMs,
  });
  const kafka = createKafka(config.kafka);
  const native = await librdkafkaSender(config.kafka);
  const client =
    'unavailable' in native ? `kafkajs (librdkafka unavailable: ${native.unavailable})` : 'librdkafka';
  const start = Date.now();
  const end = start + spec.durationMs;
  const send = (message: PacedSimulatorMessage) =>
    new Promise<void>((resolve, reject) =>
      process.send!(message, (error: Error | null) => (error ? reject(error) : resolve())),
    );
  await send({ kind: 'started', start, end });
  const stop = new AbortController();
  const guard = setTimeout(() => stop.abort(), spec.durationMs + 10_000);
  const closings = new WindowClosings(
    config.topics.telemetry.name,
    spec.partitions,
    spec.windowMs,
    spec.outOfOrdernessMs,
  );
  const sent = await produceReadings(
    kafka,
    fleetReadings(fleet, { ...EMISSION, lateShare: 0, seed: spec.seed + 1, start, end }),
    {
      topic: config.topics.telemetry.name,
      schemaId: spec.schemaId,
      type: Type.forSchema((spec.gateways ? telemetryBatchSchema() : telemetrySchema(1)) as never),
      paced: true,
      gateways: spec.gateways,
      signal: stop.signal,
      ...('unavailable' in native ? {} : { sender: native }),
      // A reading reaches its partition (the record's key's) when its record is sent.
      onRecord: (at, key, readings) => {
        for (const reading of readings) closings.add(key, reading.ts, at);
      },
    },
  );
  clearTimeout(guard);
  await send({
    kind: 'done',
    start,
    end,
    sent,
    sentMs: Date.now() - start,
    client,
    closings: closings.closings(),
  });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`paced simulator: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
