import { encodeConfluent } from '../../pipelines/io/registry/confluentWire';
import { TelemetryReading } from '../../pipelines/telemetryReading';
import { BenchEnvironment } from './benchEnvironment';
import { ProducedFleet } from './fleetProduction';

/**
 * Live derstream has no end of input: a window is emitted when the watermark (largest
 * `ts` − B, the smallest over partitions) reaches its end. To drain a pre-produced topic
 * the benchmark appends one reading per partition of a device in no group, stamped at
 * `end + B`: every partition's watermark then reaches `end`, so every window up to the
 * one holding the largest simulated `ts` is emitted (what replay and the Kafka Streams
 * peer emit for the same input), and the marker's own window is not. The marker counts
 * as a valid reading and feeds no group (SEMANTICS.md §2). Returns how many it sent.
 */
export async function produceEndOfInputMarkers(
  bench: BenchEnvironment,
  fleet: ProducedFleet,
): Promise<number> {
  const { config } = bench;
  const ts = fleet.end + config.semantics.outOfOrdernessMs;
  const producer = bench.kafka.producer({ idempotent: true });
  await producer.connect();
  try {
    const messages = Array.from({ length: config.topics.telemetry.partitions }, (_, partition) => {
      const reading: TelemetryReading = {
        deviceId: `bench-end-of-input-${partition}`,
        ts,
        activePower: 0,
        reactivePower: null,
        voltage: null,
        stateOfCharge: null,
        maxActivePower: null,
        minActivePower: null,
        connected: true,
      };
      // In a batched run the marker is a batch of one: the topic's records stay of one kind.
      const value = fleet.batched ? { gatewayId: reading.deviceId, readings: [reading] } : reading;
      return { partition, key: reading.deviceId, value: encodeConfluent(fleet.schemaId, fleet.type, value) };
    });
    await producer.send({ topic: config.topics.telemetry.name, acks: -1, messages });
    return messages.length;
  } finally {
    await producer.disconnect();
  }
}
