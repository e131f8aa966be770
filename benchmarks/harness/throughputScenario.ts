import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openClickhouse } from '../../pipelines/io/clickhouse/clickhouseExecutor';
import { BenchOptions } from './benchOptions';
import { BenchEnvironment, openBenchEnvironment } from './benchEnvironment';
import { ProfileSummary, startCpuProfile } from './cpuProfile';
import { consumeCeiling } from './consumeCeiling';
import { produceEndOfInputMarkers } from './endOfInputMarkers';
import { produceFleet, ProducedFleet } from './fleetProduction';
import { runKafkaStreamsPeer } from './kafkaStreamsPeer';
import { runPipelineToEnd } from './pipelineToEnd';
import { formatCount, ratio, ScenarioOutcome, TargetCheck } from './scenarioOutcome';
import { formatCpuPerRecord } from './threadCpu';
import { topicRecordCount } from './topicRecordCount';

/**
 * consume-ceiling, e2e, compare and peer: one pre-produced telemetry topic, read by
 * kafkajs alone (the ceiling), by the Kafka Streams peer and by the live pipeline, in
 * that order and in one run, so the ratios compare like with like on the same machine
 * at the same time. The ceiling and the peer read the fleet's readings; then the
 * end-of-input markers are appended and the pipeline reads everything. With `--batch N`
 * the topic holds gateways' TelemetryBatch records instead of single readings: the
 * ceiling counts records (and the readings they carry), the pipeline readings.
 */
export async function throughputScenario(options: BenchOptions): Promise<ScenarioOutcome> {
  const { scenario } = options;
  const parts = {
    ceiling: scenario !== 'e2e',
    peer: scenario === 'peer',
    e2e: scenario !== 'consume-ceiling',
  };
  const bench = await openBenchEnvironment(scenario, { DERSTREAM_WINDOW: `${options.windowMs}ms` });
  try {
    const produced = await produceThroughputFleet(bench, options);
    const { type: _type, ...fleet } = produced;
    const readingsPerMessage = fleet.readings / Math.max(1, fleet.messages);
    const measured = parts.ceiling ? await consumeCeiling(bench, { quiet: options.quiet }) : undefined;
    // What the records carried, so that batched and single runs compare in readings/s.
    const ceiling = measured && {
      ...measured,
      readingsPerSecond: Math.round(measured.messagesPerSecond * readingsPerMessage),
      steadyReadingsPerSecond: Math.round(measured.steadyMessagesPerSecond * readingsPerMessage),
    };
    const peer = parts.peer ? await runKafkaStreamsPeer(bench, { quiet: options.quiet }) : undefined;
    let e2e: Awaited<ReturnType<typeof runE2e>> | undefined;
    if (parts.e2e) {
      await produceEndOfInputMarkers(bench, produced);
      e2e = await runE2e(bench, options, fleet.readings);
    }

    const targets: TargetCheck[] = [];
    const ratios: Record<string, number> = {};
    if (ceiling && e2e) {
      ratios.e2eToCeiling = ratio(e2e.pipeline.readingsPerSecond, ceiling.readingsPerSecond);
      ratios.e2eToCeilingSteady = ratio(
        e2e.pipeline.steadyReadingsPerSecond,
        ceiling.steadyReadingsPerSecond,
      );
      // The target is for single-reading messages; a batched run is recorded, not judged.
      targets.push({
        target: 'e2e ≥ 0.8 × consume ceiling',
        value: ratios.e2eToCeiling,
        display: String(ratios.e2eToCeiling),
        met: produced.batched ? null : ratios.e2eToCeiling >= 0.8,
        ...(produced.batched ? { unjudged: 'with batches: the target is for single-reading messages' } : {}),
      });
    }
    if (peer && e2e) {
      ratios.e2eToPeer = ratio(e2e.pipeline.readingsPerSecond, peer.readingsPerSecond);
      targets.push({
        target: 'e2e ≥ 1.5 × Kafka Streams peer',
        value: ratios.e2eToPeer,
        display: String(ratios.e2eToPeer),
        met: ratios.e2eToPeer >= 1.5,
      });
    }
    const checks = {
      ceilingReadAll: ceiling ? ceiling.records === fleet.messages : undefined,
      peerReadAll: peer ? peer.consumed === fleet.readings && peer.records === fleet.readings : undefined,
      e2eReadAll: e2e ? e2e.pipeline.records === fleet.readings + e2e.markers : undefined,
      e2eStatusesOnTopic: e2e ? e2e.statusesOnTopic === e2e.pipeline.statuses : undefined,
      e2eStatusesStored: e2e ? e2e.statusesStored === e2e.pipeline.statuses : undefined,
      e2eTelemetryStored: e2e ? e2e.telemetryStored === e2e.pipeline.valid + e2e.pipeline.late : undefined,
      e2eStatusesEqualPeer: e2e && peer ? e2e.pipeline.statuses === peer.statuses : undefined,
    };

    const figureText: string[] = [];
    if (ceiling)
      figureText.push(
        `ceiling ${formatCount(ceiling.messagesPerSecond)} msg/s${produced.batched ? ` (${formatCount(ceiling.readingsPerSecond)} readings/s)` : ''}, ${ceiling.megabytesPerSecond} MB/s`,
      );
    if (peer) figureText.push(`peer ${formatCount(peer.readingsPerSecond)} readings/s`);
    if (e2e)
      figureText.push(
        `e2e ${formatCount(e2e.pipeline.readingsPerSecond)} readings/s${produced.batched ? ` (${formatCount(Math.round(e2e.pipeline.readingsPerSecond / readingsPerMessage))} msg/s)` : ''} (steady ${formatCount(e2e.pipeline.steadyReadingsPerSecond)}), ${formatCount(e2e.pipeline.statuses)} statuses, ${formatCount(e2e.pipeline.late)} late`,
      );
    if (ratios.e2eToCeiling !== undefined) figureText.push(`e2e/ceiling ${ratios.e2eToCeiling}`);
    if (ratios.e2eToPeer !== undefined) figureText.push(`e2e/peer ${ratios.e2eToPeer}`);
    // What each record cost this process's threads: the ratio above is mostly this.
    const cpu = [
      ...(ceiling ? [`ceiling ${formatCpuPerRecord(ceiling.cpuPerRecordUs)}`] : []),
      ...(e2e ? [`e2e ${formatCpuPerRecord(e2e.pipeline.cpuPerReadingUs)}`] : []),
    ];
    figureText.push(
      `CPU µs a ${produced.batched ? 'record (ceiling) or reading (e2e)' : 'reading'}: ${cpu.join('; ')}`,
    );
    return {
      parameters: { ...throughputParameters(bench, options), batch: options.batch },
      figures: {
        fleet,
        ...(ceiling ? { ceiling } : {}),
        ...(peer ? { peer } : {}),
        ...(e2e ? { e2e } : {}),
        ratios,
        checks,
      },
      targets,
      row: {
        parameters:
          fleetText(fleet, bench.config.topics.telemetry.partitions) +
          (fleet.gateways
            ? `; batches of up to ${fleet.gateways.readings} from ${fleet.gateways.gateways} gateways: ${formatCount(fleet.messages)} messages, ${readingsPerMessage.toFixed(1)} readings each`
            : ''),
        figures: figureText.join('; '),
      },
      usedJava: parts.peer,
    };
  } finally {
    await bench.teardown();
  }
}

/** The throughput scenarios' fleet (and scale-out's), pre-produced on the run's topic as `options` ask. */
export function produceThroughputFleet(
  bench: BenchEnvironment,
  options: BenchOptions,
): Promise<ProducedFleet> {
  return produceFleet(
    bench,
    {
      devices: options.devices,
      groups: options.groups,
      readings: options.readings,
      seed: options.seed,
      windowMs: options.windowMs,
      batch: options.batch,
    },
    { quiet: options.quiet },
  );
}

/** What a result records of that fleet's parameters. */
export function throughputParameters(bench: BenchEnvironment, options: BenchOptions): Record<string, number> {
  return {
    devices: options.devices,
    groups: options.groups,
    readingsAsked: options.readings,
    seed: options.seed,
    windowMs: options.windowMs,
    partitions: bench.config.topics.telemetry.partitions,
  };
}

/** The fleet produced, as the results table's row gives it. */
export function fleetText(fleet: Omit<ProducedFleet, 'type'>, partitions: number): string {
  return `${formatCount(fleet.devices)} devices, ${formatCount(fleet.groups)} groups, ${formatCount(fleet.readings)} readings (${fleet.windows} windows), ${partitions} partitions`;
}

/** The pipeline to the end of the topic (the fleet's readings and a marker per partition), then what it wrote: statuses on Kafka, rows in chDB. */
async function runE2e(bench: BenchEnvironment, options: BenchOptions, readings: number) {
  const { config } = bench;
  const total = readings + config.topics.telemetry.partitions;
  // Profiled from the start to the last record written (not the stop).
  const profiler = options.profile
    ? await startCpuProfile(join(tmpdir(), `derstream-bench-${bench.prefix}e2e.cpuprofile`))
    : undefined;
  let profiling: Promise<ProfileSummary> | undefined;
  const pipeline = await runPipelineToEnd(config, total, {
    quiet: options.quiet,
    onDrained: () => (profiling = profiler?.stop()),
  });
  const profile = await profiling;
  const statusesOnTopic = await topicRecordCount(bench.kafka, config.topics.statuses.name);
  const clickhouse = await openClickhouse(config.clickhouse);
  try {
    const [statuses] = await clickhouse.query<{ n: number }>('SELECT count() AS n FROM group_statuses FINAL');
    const [telemetry] = await clickhouse.query<{ n: number }>('SELECT count() AS n FROM telemetry FINAL');
    return {
      pipeline,
      ...(profile ? { profile } : {}),
      markers: config.topics.telemetry.partitions,
      statusesOnTopic,
      statusesStored: Number(statuses!.n),
      telemetryStored: Number(telemetry!.n),
    };
  } finally {
    await clickhouse.close();
  }
}
