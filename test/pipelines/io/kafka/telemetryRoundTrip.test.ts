import { Type } from 'avsc';
import { Kafka } from 'kafkajs';
import { createFleet, fleetReadings } from '../../../../benchmarks/simulator/fleet';
import { produceReadings } from '../../../../benchmarks/simulator/fleetProducer';
import { createKafka } from '../../../../pipelines/io/kafka/kafkaClient';
import { AvroDecoder } from '../../../../pipelines/io/registry/avroDecoder';
import { connectRegistry, registerAvroSchema } from '../../../../pipelines/io/registry/schemaRegistry';
import {
  TelemetrySchemaVersion,
  telemetrySchema,
  valueSubject,
} from '../../../../pipelines/io/registry/telemetrySchemas';
import { TelemetryReading } from '../../../../pipelines/telemetryReading';
import { ensureTopics } from '../../../../pipelines/io/kafka/topicSetup';
import { prefixedTopics } from '../../../../topologies/topics';
import { runId, testConfig } from '../../../support/services';

// der.telemetry as declared (12 partitions), under a prefix of this run's own so the
// readings never reach the main job's topic.
const telemetryTopic = prefixedTopics(`test-${runId()}.`).telemetry;

/**
 * Readings produced as Avro through the registry to der.telemetry come back, decoded,
 * equal and in per-device order. Each case tags its devices with a run id and reads
 * the topic from the offsets it had before producing, so other records do not count.
 */
async function roundTrip(count: number, writer: TelemetrySchemaVersion, reader: TelemetrySchemaVersion) {
  const config = testConfig();
  const kafka: Kafka = createKafka(config.kafka);
  const registry = await connectRegistry(config.registry);
  const topic = telemetryTopic.name;
  const setup = kafka.admin();
  await setup.connect();
  await ensureTopics(setup, [telemetryTopic]);
  await setup.disconnect();
  const schemaId = await registerAvroSchema(registry, valueSubject(topic), telemetrySchema(writer));

  const tag = runId();
  const fleet = createFleet({ devices: 200, groups: 5, seed: 7 });
  for (const device of fleet.devices) device.id = `${tag}-${device.id}`;
  const readings = [
    ...fleetReadings(fleet, { start: Date.UTC(2026, 5, 1, 12), end: Date.UTC(2026, 5, 1, 14), seed: 3 }),
  ]
    .slice(0, count)
    .map(([, reading]) => reading);
  expect(readings).toHaveLength(count);

  const admin = kafka.admin();
  await admin.connect();
  const startOffsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();

  const sent = await produceReadings(
    kafka,
    readings.map((reading) => [0, reading] as [number, TelemetryReading]),
    {
      topic,
      schemaId,
      type: Type.forSchema(telemetrySchema(writer) as never),
      paced: false,
    },
  );
  expect(sent).toBe(count);

  const decoder = new AvroDecoder<TelemetryReading & { frequency?: number | null }>(
    registry,
    telemetrySchema(reader),
  );
  const received: (TelemetryReading & { frequency?: number | null })[] = [];
  const keysMatch: boolean[] = [];
  const consumer = kafka.consumer({ groupId: `test-roundtrip-${tag}` });
  await consumer.connect();
  await consumer.subscribe({ topic });
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          if (!message.key?.toString().startsWith(tag)) continue;
          const value = await decoder.decode(message.value!);
          keysMatch.push(message.key.toString() === value.deviceId);
          received.push(value);
        }
        if (received.length >= count) resolve();
      },
    });
  });
  consumer.on(consumer.events.GROUP_JOIN, () => {
    for (const { partition, offset } of startOffsets) consumer.seek({ topic, partition, offset });
  });
  await done;
  await consumer.disconnect();

  const expected = readings.map((reading) => (reader === 2 ? { ...reading, frequency: null } : reading));
  const byDevice = (list: typeof received) => {
    const map = new Map<string, unknown[]>();
    for (const reading of list) map.set(reading.deviceId, [...(map.get(reading.deviceId) ?? []), reading]);
    return map;
  };
  expect(received).toHaveLength(count);
  expect(keysMatch.every(Boolean)).toBe(true);
  // Kafka keeps order per partition, hence per device (the key): compare device by device.
  expect(byDevice(received)).toEqual(byDevice(expected));
}

describe('telemetry on real Kafka (der.telemetry, 12 partitions) through the real registry', () => {
  it('10,000 readings come back decoded and equal, in order per device', async () => {
    await roundTrip(10_000, 1, 1);
  });

  it('a v1 producer and a v2 consumer', async () => {
    await roundTrip(500, 1, 2);
  });

  it('a v2 producer and a v1 consumer', async () => {
    await roundTrip(500, 2, 1);
  });
});
