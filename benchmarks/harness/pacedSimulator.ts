import { Type } from 'avsc';
import { createKafka } from '../../pipelines/io/kafka/kafkaClient';
import { telemetryBatchSchema, telemetrySchema } from '../../pipelines/io/registry/telemetrySchemas';
import { DerstreamConfig } from '../../topologies/config';
import { createFleet, fleetReadings } from '../simulator/fleet';
import { produceReadings } from '../simulator/fleetProducer';
import { GatewayBatching } from '../simulator/gatewayBatches';
import { librdkafkaSender } from '../simulator/librdkafkaSender';
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
  sent: number;
  /** [window end, when the reading that let it close was due, when it was sent] (see WindowClosings). */
  closings: [number, number, number][];
}

export interface PacedSimulator {
  /** The Kafka client it sends with: librdkafka, or kafkajs and why. */
  client: string;
  /**
   * Sends the fleet's readings (the same fleet as the harness's, from the same seed,
   * without held-back readings) to the configured telemetry topic, each at its arrival
   * time on the wall clock from `start` for the spec's duration, one a record or in
   * gateways' batches. `onRecord` also sees each record as it is queued.
   */
  run(
    start: number,
    options?: { signal?: AbortSignal; onRecord?: (at: number) => void },
  ): Promise<PacedSimulatorRun>;
}

/**
 * The simulator of the latency scenario, ready to send: its fleet made and its Kafka
 * client connected, so that `run` starts sending at once. Run in a process of its own
 * by the latency scenario (pacedSimulatorProcess.ts), and alone by
 * benchmarks/simulator/pacedCost.ts to measure what it costs.
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
  const kafka = createKafka(config.kafka);
  const native = await librdkafkaSender(config.kafka);
  const topic = config.topics.telemetry.name;
  return {
    client:
      'unavailable' in native ? `kafkajs (librdkafka unavailable: ${native.unavailable})` : 'librdkafka',
    async run(start, options = {}) {
      const closings = new WindowClosings(topic, spec.partitions, spec.windowMs, spec.outOfOrdernessMs);
      const { onRecord } = options;
      const sent = await produceReadings(
        kafka,
        fleetReadings(fleet, {
          ...EMISSION,
          lateShare: 0,
          seed: spec.seed + 1,
          start,
          end: start + spec.durationMs,
        }),
        {
          topic,
          schemaId: spec.schemaId,
          type: Type.forSchema((spec.gateways ? telemetryBatchSchema() : telemetrySchema(1)) as never),
          paced: true,
          gateways: spec.gateways,
          signal: options.signal,
          ...('unavailable' in native ? {} : { sender: native }),
          // A reading reaches its partition (the record's key's) when its record is sent.
          onRecord: (at, key, readings) => {
            onRecord?.(at);
            for (const reading of readings) closings.add(key, reading.ts, at);
          },
        },
      );
      return { sent, closings: closings.closings() };
    },
  };
}
