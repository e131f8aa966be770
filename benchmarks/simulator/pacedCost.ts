/**
 * What the paced simulator costs, alone, on the local broker: the latency scenario's
 * simulator (benchmarks/harness/pacedSimulator.ts: the fleet, each device every 10 s,
 * its records made beforehand, then paced in real time, sent through librdkafka when
 * installed) at a rate for a while, with nothing else running. It reports how long the
 * making took, the CPU a reading's sending costs its process (every thread, librdkafka's
 * too, up to the last record acknowledged) and its main thread, what that is at the
 * rate asked, and how far behind its schedule a record went out at most. A script to run by hand, not a test: timings
 * depend on the machine, and this one is shared.
 *
 *   npx tsx benchmarks/simulator/pacedCost.ts [readings/s] [seconds]
 *
 * Defaults: 94,159 readings/s (half the e2e rate of 2026-12-05, the latency scenario's
 * default rate until the kafkajs patch raised it) for 30 s.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectAdmin, createKafka } from '../../pipelines/io/kafka/kafkaClient';
import { loadConfig } from '../../topologies/config';
import { pacedSimulator } from '../harness/pacedSimulator';
import { runScript } from '../harness/runScript';
import { threadCpuMs } from '../harness/threadCpu';

const rate = Number(process.argv[2] ?? 94_159);
const seconds = Number(process.argv[3] ?? 30);
const PARTITIONS = 12;

async function main(): Promise<void> {
  if (!(rate > 0) || !(seconds > 0)) throw new Error('usage: pacedCost.ts [readings/s > 0] [seconds > 0]');
  const config = loadConfig({
    ...process.env,
    DERSTREAM_TOPIC_PREFIX: `bench-paced-cost-${randomUUID().slice(0, 8)}.`,
  });
  const topic = config.topics.telemetry.name;
  const admin = await connectAdmin(createKafka(config.kafka), config.kafka);
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  try {
    const simulator = await pacedSimulator(
      {
        devices: Math.round(rate * 10),
        groups: 1000,
        seed: 7,
        intervalMs: 10_000,
        durationMs: seconds * 1000,
        schemaId: 1,
        windowMs: 60_000,
        outOfOrdernessMs: config.semantics.outOfOrdernessMs,
        partitions: PARTITIONS,
      },
      config,
    );
    const madeAt = performance.now();
    const run = await simulator.prepare();
    const madeMs = performance.now() - madeAt;
    await sleep(Math.max(0, run.start - Date.now()));
    let lateMs = 0;
    const cpu = process.cpuUsage();
    const mainCpu = threadCpuMs().main;
    const { sent } = await run.send({ onRecord: (at) => (lateMs = Math.max(lateMs, Date.now() - at)) });
    const processUs = ((used) => used.user + used.system)(process.cpuUsage(cpu)) / sent;
    const mainUs = ((threadCpuMs().main - mainCpu) * 1000) / sent;
    process.stdout.write(
      `${run.records} records made beforehand in ${(madeMs / 1000).toFixed(1)} s; ` +
        `${sent} readings sent in ${seconds} s (${rate}/s asked) through ${simulator.client}, up to the last acknowledged: ` +
        `process ${processUs.toFixed(2)} µs a reading (${((processUs * rate) / 1e6).toFixed(2)} of a core at that rate), ` +
        `main thread ${mainUs.toFixed(2)} µs (${((mainUs * rate) / 1e6).toFixed(2)}); ` +
        `at most ${lateMs} ms behind its schedule\n`,
    );
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

runScript('pacedCost', main);
