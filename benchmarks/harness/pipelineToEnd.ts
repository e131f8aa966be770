import { DerstreamConfig } from '../../topologies/config';
import { LiveCounts, runLive } from '../../topologies/live';
import { progressBar } from './progressBar';
import { cpuPerRecordUs, threadCpuMs, ThreadKind } from './threadCpu';
import { withStallGuard } from './stallGuard';

export interface PipelineFigures {
  /** Records read: valid + invalid + late. */
  records: number;
  valid: number;
  invalid: number;
  late: number;
  /** Status versions written to ClickHouse and acknowledged on Kafka. */
  statuses: number;
  /** From calling runLive (topics, registry, chDB, membership, HTTP, group join) to the last record written, ms. */
  wallMs: number;
  /** From calling runLive to the end of its first batch, ms. */
  startupMs: number;
  readingsPerSecond: number;
  /** From the end of the first batch to the end of the last: the rate once running. */
  steadyReadingsPerSecond: number;
  batches: number;
  /**
   * CPU µs a reading by kind of thread in this process, over the same span as
   * `steadyReadingsPerSecond` (chDB's threads are the database's inserts and merges).
   */
  cpuPerReadingUs: Partial<Record<ThreadKind, number>>;
  /** From asking it to stop to runLive returning (not in wallMs). */
  stopMs: number;
}

export interface PipelineToEndOptions {
  quiet?: boolean;
  /** Fail when no batch completes for this long (120 s). */
  stallMs?: number;
  /** After every batch: the running counts and ms since the start. */
  onBatch?: (counts: LiveCounts, elapsedMs: number) => void;
  /** When every record has been written, before the pipeline is asked to stop (steady-state sampling). */
  onDrained?: (counts: LiveCounts) => void;
}

/**
 * The live pipeline (`derstream run`, in this process) on a pre-produced topic, until
 * it has read `total` records and written everything they lead to: runLive calls
 * `onProgress` only after a batch's telemetry and statuses are in ClickHouse and its
 * Kafka outputs are acknowledged, so the batch that reads the last record has also
 * written the last status it emits.
 */
export async function runPipelineToEnd(
  config: DerstreamConfig,
  total: number,
  options: PipelineToEndOptions = {},
): Promise<PipelineFigures> {
  const bar = progressBar('pipeline', total, { quiet: options.quiet, unit: 'readings' });
  const controller = new AbortController();
  const log: string[] = [];
  const startedAt = performance.now();
  let first: { at: number; records: number; cpu: Record<ThreadKind, number> } | undefined;
  let lastAt = startedAt;
  let batches = 0;
  let drained: { at: number; counts: LiveCounts; cpu: Record<ThreadKind, number> } | undefined;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const running = runLive(config, {
    semantics: config.semantics,
    consumerGroup: config.consumerGroup,
    maxMessageBytes: config.maxMessageBytes,
    log: (line) => log.push(line),
    signal: controller.signal,
    onProgress: (counts) => {
      if (drained) return;
      const records = counts.valid + counts.invalid + counts.late;
      lastAt = performance.now();
      batches++;
      first ??= { at: lastAt, records, cpu: threadCpuMs() };
      bar.update(records);
      options.onBatch?.(counts, lastAt - startedAt);
      if (records >= total) {
        drained = { at: lastAt, counts, cpu: threadCpuMs() };
        options.onDrained?.(counts);
        finished();
      }
    },
  });
  try {
    await withStallGuard(
      Promise.race([
        done,
        running.then(() => {
          throw new Error('the pipeline stopped before reading every record');
        }),
      ]),
      () => lastAt,
      options.stallMs ?? 120_000,
      () => `${first ? 'reading' : 'starting'}, ${batches} batches`,
    );
  } catch (error) {
    controller.abort();
    await running.catch(() => undefined);
    throw new Error(`${(error as Error).message}; its last log lines:\n  ${log.slice(-15).join('\n  ')}`, {
      cause: error,
    });
  }
  const { counts, at, cpu } = drained!;
  bar.finish(counts.valid + counts.invalid + counts.late);
  const stopAt = performance.now();
  controller.abort();
  await running;
  const stopMs = performance.now() - stopAt;
  const records = counts.valid + counts.invalid + counts.late;
  const wallMs = at - startedAt;
  const steadyMs = at - first!.at;
  return {
    records,
    ...counts,
    wallMs: Math.round(wallMs),
    startupMs: Math.round(first!.at - startedAt),
    readingsPerSecond: Math.round((records * 1000) / wallMs),
    steadyReadingsPerSecond: steadyMs > 0 ? Math.round(((records - first!.records) * 1000) / steadyMs) : 0,
    batches,
    cpuPerReadingUs: cpuPerRecordUs(first!.cpu, cpu, records - first!.records),
    stopMs: Math.round(stopMs),
  };
}
