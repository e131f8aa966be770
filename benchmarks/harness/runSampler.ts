import { Admin } from 'kafkajs';
import { MemorySample } from './memorySample';

/** A memory sample of this process with the pipeline's consumer lag at that moment. */
export interface LagSample extends MemorySample {
  /** Records on the telemetry topic beyond the group's committed offsets (a partition never committed counts from its start). */
  lag: number;
}

export interface RunSampler {
  /** Stops sampling (after the one under way) and gives every sample taken. */
  stop(): Promise<LagSample[]>;
}

/**
 * Samples `process.memoryUsage()` (the pipeline runs in this process) and the consumer
 * group's lag on the telemetry topic every `everyMs`, from now until `stop`. The lag is
 * what an operator sees (`kafka-consumer-groups --describe`): committed offsets, which
 * derstream holds back until a record's window is written, so it saw-tooths by about a
 * window of input even when the pipeline keeps up.
 */
export function startRunSampler(
  admin: Admin,
  topic: string,
  groupId: string,
  everyMs: number,
  progress: () => { records: number; statuses: number },
): RunSampler {
  const samples: LagSample[] = [];
  const startedAt = performance.now();
  let stopped = false;
  const lag = async () => {
    const [ends, [committed]] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    return ends.reduce((sum, end) => {
      const offset = at.get(end.partition) ?? -1n;
      return sum + Number(BigInt(end.high) - (offset >= 0n ? offset : BigInt(end.low)));
    }, 0);
  };
  const take = async () => {
    const t = Math.round(performance.now() - startedAt);
    const m = process.memoryUsage();
    samples.push({
      t,
      rss: m.rss,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      ...progress(),
      lag: await lag().catch(() => NaN),
    });
  };
  const loop = (async () => {
    while (!stopped) {
      const next = performance.now() + everyMs;
      await take();
      const wait = next - performance.now();
      if (!stopped && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return samples;
    },
  };
}
