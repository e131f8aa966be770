import { join } from 'node:path';
import { BenchEnvironment } from './benchEnvironment';
import { ChdbAllocator } from './chdbAllocator';
import { produceFleet, ProducedFleet } from './fleetProduction';
import { forkTypescript } from './forkTypescript';
import { MemorySample, MemoryWorkerReport } from './memorySample';
import { PipelineFigures } from './pipelineToEnd';
import { ResidentMappings } from './residentMappings';
import { topicRecordCount } from './topicRecordCount';

export interface MemorySpec {
  devices: number;
  groups: number;
  readings: number;
  seed: number;
}

export interface MemoryFigures {
  fleet: Omit<ProducedFleet, 'type'>;
  pipeline: PipelineFigures;
  /** Samples once the first window's statuses are out (every device tracked, windows rolling). */
  steady: {
    samples: number;
    rssMaxBytes: number;
    heapUsedMaxBytes: number;
    rssMeanBytes: number;
    /** Memory outside the V8 heap that V8 knows of: Buffers and typed arrays (`arrayBuffers` is part of it). */
    externalMaxBytes: number;
    arrayBuffersMaxBytes: number;
  };
  /** When the last record was written, before and after a full GC (the state still held). */
  drained: {
    rssBytes: number;
    heapUsedBytes: number;
    rssAfterGcBytes: number;
    heapUsedAfterGcBytes: number;
    /** V8's heap as committed (used or not). */
    heapTotalAfterGcBytes: number;
    externalAfterGcBytes: number;
    arrayBuffersAfterGcBytes: number;
    /** The RSS after GC by mapping (Linux only): how much is code, how much allocated. */
    residentAfterGc?: ResidentMappings;
    /** What chDB's own allocator held then (with chDB as the database): part of `anonymous`. */
    chdbAllocatorAfterGc?: ChdbAllocator;
  };
  rssMaxBytes: number;
  /** The worker before the pipeline started (Node, tsx, modules loaded). */
  baseline: { rssBytes: number; heapUsedBytes: number };
  /** With --profile: the heap snapshot of the drained pipeline (after the full GC). */
  heapSnapshot?: string;
  /** One sample a second, for a plot: [ms since start, RSS, heap used, external, records read]. */
  timeline: [number, number, number, number, number][];
}

/**
 * N devices in G groups through the live pipeline, alone in a child process: a fleet in
 * which every device reports once per window is pre-produced (`readings` / N windows),
 * then the pipeline reads it all while its memory is sampled. It catches up on a
 * backlog, so its fetch buffers are as full as they get: the worst case of steady
 * operation, where batches are small.
 */
export async function fleetMemory(
  bench: BenchEnvironment,
  spec: MemorySpec,
  options: { quiet?: boolean; heapSnapshot?: string } = {},
): Promise<MemoryFigures> {
  const windowMs = bench.config.semantics.windowMs;
  const { type: _type, ...fleet } = await produceFleet(
    bench,
    { ...spec, windowMs, intervalMs: windowMs },
    // Without a forecast interval's boundary in the span the forecaster holds no state,
    // and a run measured 100–300 MB less than one with it (heap after GC 271 against
    // 396 MB), by the minute it was started.
    { quiet: options.quiet, crossIntervalMs: bench.config.forecasts.intervalMs },
  );
  const total = await topicRecordCount(bench.kafka, bench.config.topics.telemetry.name);
  const report = await forkTypescript<MemoryWorkerReport>(
    join(__dirname, 'memoryWorker.ts'),
    [String(total)],
    {
      execArgv: ['--expose-gc'],
      env: {
        ...bench.env,
        DERSTREAM_BENCH_QUIET: options.quiet ? '1' : '0',
        ...(options.heapSnapshot ? { DERSTREAM_BENCH_HEAP_SNAPSHOT: options.heapSnapshot } : {}),
      },
    },
  ).exited;
  const steadySamples = report.samples.filter((s: MemorySample) => s.statuses >= spec.groups);
  const max = (values: number[]) => values.reduce((a, b) => Math.max(a, b), 0);
  const last = report.samples.at(-1)!;
  return {
    fleet,
    pipeline: report.figures,
    steady: {
      samples: steadySamples.length,
      rssMaxBytes: max(steadySamples.map((s) => s.rss)),
      heapUsedMaxBytes: max(steadySamples.map((s) => s.heapUsed)),
      rssMeanBytes: Math.round(
        steadySamples.reduce((sum, s) => sum + s.rss, 0) / Math.max(1, steadySamples.length),
      ),
      externalMaxBytes: max(steadySamples.map((s) => s.external)),
      arrayBuffersMaxBytes: max(steadySamples.map((s) => s.arrayBuffers)),
    },
    drained: {
      rssBytes: last.rss,
      heapUsedBytes: last.heapUsed,
      rssAfterGcBytes: report.afterGc.rss,
      heapUsedAfterGcBytes: report.afterGc.heapUsed,
      heapTotalAfterGcBytes: report.afterGc.heapTotal,
      externalAfterGcBytes: report.afterGc.external,
      arrayBuffersAfterGcBytes: report.afterGc.arrayBuffers,
      ...(report.residentAfterGc ? { residentAfterGc: report.residentAfterGc } : {}),
      ...(report.chdbAfterGc ? { chdbAllocatorAfterGc: report.chdbAfterGc } : {}),
    },
    rssMaxBytes: max(report.samples.map((s) => s.rss)),
    baseline: { rssBytes: report.samples[0]!.rss, heapUsedBytes: report.samples[0]!.heapUsed },
    ...(options.heapSnapshot ? { heapSnapshot: options.heapSnapshot } : {}),
    timeline: report.samples
      .filter((_, i) => i % 4 === 0)
      .map((s) => [s.t, s.rss, s.heapUsed, s.external, s.records]),
  };
}
