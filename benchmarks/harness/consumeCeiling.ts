import { BenchEnvironment } from './benchEnvironment';
import { progressBar } from './progressBar';
import { withStallGuard } from './stallGuard';
import { cpuPerRecordUs, threadCpuMs, ThreadKind } from './threadCpu';
import { topicRecordCount } from './topicRecordCount';

export interface CeilingFigures {
  records: number;
  bytes: number;
  /** From creating the consumer (connect, group join) to the last record, ms. */
  wallMs: number;
  messagesPerSecond: number;
  megabytesPerSecond: number;
  /** From the end of the first batch to the end of the last: the rate once running. */
  steadyMessagesPerSecond: number;
  batches: number;
  /** CPU µs a record by kind of thread in this process, over the steady span. */
  cpuPerRecordUs: Partial<Record<ThreadKind, number>>;
}

/**
 * How fast kafkajs alone reads the telemetry topic on this machine: a consumer in a
 * group of its own, from the beginning, with the live pipeline's fetch size per partition
 * (`DERSTREAM_KAFKA_FETCH_BYTES`, 1 MiB; until 2026-12-07 4 MiB) and kafkajs's own
 * 10 MB a fetch (the pipeline's 2 MiB, `DERSTREAM_KAFKA_FETCH_MAX_BYTES`, is for its
 * memory: the ceiling is the fastest kafkajs reads), counting records and bytes and
 * doing nothing else, until it has read every record the topic held when it started.
 */
export async function consumeCeiling(
  bench: BenchEnvironment,
  options: { quiet?: boolean; stallMs?: number } = {},
): Promise<CeilingFigures> {
  const topic = bench.config.topics.telemetry.name;
  const total = await topicRecordCount(bench.kafka, topic);
  const bar = progressBar('consume-ceiling', total, { quiet: options.quiet, unit: 'records' });
  const startedAt = performance.now();
  const consumer = bench.kafka.consumer({
    groupId: `${bench.config.consumerGroup}.ceiling`,
    maxBytesPerPartition: bench.config.kafka.fetchBytesPerPartition,
  });
  let records = 0;
  let bytes = 0;
  let batches = 0;
  let firstBatch: { at: number; records: number; cpu: Record<ThreadKind, number> } | undefined;
  let lastAt = startedAt;
  let lastCpu: Record<ThreadKind, number> | undefined;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  if (total === 0) finished();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages)
          bytes += (message.value?.length ?? 0) + (message.key?.length ?? 0);
        records += batch.messages.length;
        batches++;
        lastAt = performance.now();
        firstBatch ??= { at: lastAt, records, cpu: threadCpuMs() };
        bar.update(records);
        if (records >= total && !lastCpu) {
          lastCpu = threadCpuMs();
          finished();
        }
      },
    });
    await withStallGuard(
      done,
      () => lastAt,
      options.stallMs ?? 60_000,
      () => `${records}/${total} records`,
    );
  } finally {
    await consumer.disconnect();
  }
  bar.finish(records);
  const wallMs = lastAt - startedAt;
  const steadyMs = firstBatch ? lastAt - firstBatch.at : 0;
  return {
    records,
    bytes,
    wallMs: Math.round(wallMs),
    messagesPerSecond: Math.round((records * 1000) / wallMs),
    megabytesPerSecond: round((bytes / 1e6) * (1000 / wallMs), 2),
    steadyMessagesPerSecond:
      steadyMs > 0 ? Math.round(((records - firstBatch!.records) * 1000) / steadyMs) : 0,
    batches,
    cpuPerRecordUs:
      firstBatch && lastCpu ? cpuPerRecordUs(firstBatch.cpu, lastCpu, records - firstBatch.records) : {},
  };
}

function round(value: number, digits: number): number {
  return Math.round(value * 10 ** digits) / 10 ** digits;
}
