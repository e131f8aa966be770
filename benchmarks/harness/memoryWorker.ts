import { writeHeapSnapshot } from 'node:v8';
import { loadConfig } from '../../topologies/config';
import { ChdbAllocator, chdbAllocator } from './chdbAllocator';
import { sendToParent } from './forkTypescript';
import { MemorySample, MemoryWorkerReport } from './memorySample';
import { runPipelineToEnd } from './pipelineToEnd';
import { ResidentMappings, residentMappings } from './residentMappings';
import { runScript } from './runScript';

/**
 * The child process of the memory scenario: the live pipeline alone in a process, so
 * its RSS is the pipeline's and nothing of the harness (the fleet, the producer).
 * Started by fleetMemory.ts with `--import tsx --expose-gc`, the run's settings in the
 * environment and the number of records to read as its argument; samples
 * `process.memoryUsage()` every 250 ms and sends the samples and figures to the parent;
 * once drained, after a full GC, also the RSS by mapping and what chDB's allocator holds.
 * With `DERSTREAM_BENCH_HEAP_SNAPSHOT` (a path; `--profile`) it writes a V8 heap snapshot
 * there once drained, after the full GC, and samples no more.
 */
async function main(): Promise<void> {
  const total = Number(process.argv[2]);
  const config = loadConfig(process.env);
  const samples: MemorySample[] = [];
  const startedAt = performance.now();
  let progress = { records: 0, statuses: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    samples.push({
      t: Math.round(performance.now() - startedAt),
      rss: m.rss,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      ...progress,
    });
  };
  // The first sample, before the pipeline starts: Node, tsx and the modules loaded.
  sample();
  const timer = setInterval(sample, 250);
  let afterGc: NodeJS.MemoryUsage | undefined;
  let residentAfterGc: ResidentMappings | undefined;
  let chdbAfterGc: ChdbAllocator | undefined;
  const figures = await runPipelineToEnd(config, total, {
    quiet: process.env.DERSTREAM_BENCH_QUIET === '1',
    stallMs: 300_000,
    onBatch: (counts) => {
      progress = { records: counts.valid + counts.invalid + counts.late, statuses: counts.statuses };
    },
    onDrained: () => {
      sample();
      (globalThis as { gc?: () => void }).gc?.();
      afterGc = process.memoryUsage();
      residentAfterGc = residentMappings();
      if (config.clickhouse.kind === 'chdb') chdbAfterGc = chdbAllocator(config.clickhouse.path);
      const snapshot = process.env.DERSTREAM_BENCH_HEAP_SNAPSHOT;
      if (snapshot) {
        // Writing it takes gigabytes for a while: samples after it would measure the snapshot.
        clearInterval(timer);
        writeHeapSnapshot(snapshot);
      }
    },
  });
  clearInterval(timer);
  const report: MemoryWorkerReport = { figures, samples, afterGc: afterGc!, residentAfterGc, chdbAfterGc };
  await sendToParent(report);
}

runScript('memory worker', main);
