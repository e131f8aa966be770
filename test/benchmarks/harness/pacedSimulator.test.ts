import { Type } from 'avsc';
import { setTimeout as sleep } from 'node:timers/promises';
import { EMISSION } from '../../../benchmarks/harness/fleetProduction';
import { pacedSimulator, PacedSimulatorSpec } from '../../../benchmarks/harness/pacedSimulator';
import { createFleet, fleetReadings } from '../../../benchmarks/simulator/fleet';
import { createKafka } from '../../../pipelines/io/kafka/kafkaClient';
import { readPartitions } from '../../../pipelines/io/kafka/readPartitions';
import { telemetrySchema } from '../../../pipelines/io/registry/telemetrySchemas';
import { TelemetryReading } from '../../../pipelines/telemetryReading';
import { loadConfig } from '../../../topologies/config';
import { runId, topicForTests } from '../../support/services';

const PARTITIONS = 12;

/** The latency and soak scenarios' simulator against the real broker. */
describe('pacedSimulator', () => {
  const config = loadConfig({ ...process.env, DERSTREAM_TOPIC_PREFIX: `test-${runId()}.paced.` });
  const kafka = createKafka(config.kafka);
  const topic = config.topics.telemetry.name;
  topicForTests(kafka, config.kafka, topic, PARTITIONS);

  it("makes its records before its start, then sends the fleet's readings, none before it is due, and when each window could close", async () => {
    const spec: PacedSimulatorSpec = {
      devices: 3000,
      groups: 10,
      seed: 5,
      intervalMs: 1000,
      durationMs: 3000,
      schemaId: 42,
      windowMs: 1000,
      outOfOrdernessMs: 500,
      partitions: PARTITIONS,
    };
    const simulator = await pacedSimulator(spec, config);
    expect(simulator.client).toBe('librdkafka');
    const run = await simulator.prepare();
    const madeBy = Date.now();
    expect(run.start).toBeGreaterThan(madeBy);
    expect(run.end - run.start).toBe(spec.durationMs);
    await sleep(run.start - Date.now());
    const { sent, closings } = await run.send();

    const fleet = createFleet({
      devices: spec.devices,
      groups: spec.groups,
      seed: spec.seed,
      intervalMs: 1000,
    });
    // A reading sent twice (the fleet's at-least-once gateways) is due at its first arrival.
    const due = new Map<string, number>();
    const expected: string[] = [];
    for (const [arrival, reading] of fleetReadings(fleet, {
      ...EMISSION,
      lateShare: 0,
      seed: spec.seed + 1,
      start: run.start,
      end: run.end,
    })) {
      const id = `${reading.deviceId}@${reading.ts}`;
      expected.push(id);
      if (!due.has(id)) due.set(id, arrival);
    }
    expect(expected.length).toBeGreaterThan(due.size);
    expect(sent).toBe(expected.length);
    expect(run.records).toBe(expected.length);

    const type = Type.forSchema(telemetrySchema(1) as never);
    const read: string[] = [];
    const sentEarly: string[] = [];
    await readPartitions(
      kafka,
      topic,
      Array.from({ length: PARTITIONS }, (_, p) => p),
      (_, message) => {
        expect(message.value!.readUInt32BE(1)).toBe(spec.schemaId);
        const reading = type.fromBuffer(message.value!.subarray(5)) as TelemetryReading;
        expect(message.key!.toString()).toBe(reading.deviceId);
        const id = `${reading.deviceId}@${reading.ts}`;
        read.push(id);
        if (Number(message.timestamp) < due.get(id)!) sentEarly.push(id);
      },
    );
    expect(read.sort()).toEqual(expected.sort());
    expect(sentEarly).toEqual([]);

    // Every whole window of the run closes, each told by when its closing reading was due and sent.
    expect(closings.length).toBeGreaterThanOrEqual(2);
    for (const [windowEnd, dueAt, sentAt] of closings) {
      expect(windowEnd % spec.windowMs).toBe(0);
      expect(dueAt).toBeGreaterThanOrEqual(windowEnd + spec.outOfOrdernessMs);
      expect(sentAt).toBeGreaterThanOrEqual(dueAt);
    }
  });
});
