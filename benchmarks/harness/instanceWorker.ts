import { loadConfig } from '../../topologies/config';
import { run } from '../../topologies/commands/run';
import { ProfileSummary, startCpuProfile } from './cpuProfile';
import { sendToParent } from './forkTypescript';
import { runScript } from './runScript';
import { threadCpuMs, ThreadKind } from './threadCpu';

/** What an instance worker sends its parent: after every written batch, and once stopped. */
export type InstanceMessage =
  | { kind: 'progress'; records: number; statuses: number }
  | {
      kind: 'done';
      records: number;
      statuses: number;
      /** CPU ms by kind of thread from this instance's first written batch to the parent's `stop`, … */
      cpuMs: Record<ThreadKind, number>;
      /** … and the records it had read by the end of that first batch. */
      recordsAtFirst: number;
      /** With `DERSTREAM_BENCH_PROFILE`: its main thread profiled over the same span. */
      profile?: ProfileSummary;
      /** The last log lines, for a parent that finds something wrong. */
      log: string[];
    };

/**
 * One `derstream run` instance in a process of its own, as the scale-out scenario
 * starts several (instancesToEnd.ts): single or scaled out as `DERSTREAM_SCALE_OUT` in
 * its environment says, with its consumer group and chDB directory there too. It
 * reports its running counts after every batch it has written; on the parent's `stop`
 * it stops, and sends its counts and the CPU its threads used since its first batch.
 * With `DERSTREAM_BENCH_PROFILE` (a file path) its main thread is profiled over that
 * span too (cpuProfile.ts), the raw profile written there.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const controller = new AbortController();
  const log: string[] = [];
  let counts = { records: 0, statuses: 0 };
  let first: { cpu: Record<ThreadKind, number>; records: number } | undefined;
  let last: Record<ThreadKind, number> | undefined;
  const profileFile = process.env.DERSTREAM_BENCH_PROFILE;
  let profiler: ReturnType<typeof startCpuProfile> | undefined;
  let profile: Promise<ProfileSummary> | undefined;
  process.on('message', (message) => {
    if (message !== 'stop' || controller.signal.aborted) return;
    last = threadCpuMs();
    profile = profiler?.then((started) => started.stop());
    controller.abort();
  });
  await run(config, {
    log: (line) => log.push(line),
    signal: controller.signal,
    onProgress: (running) => {
      if (controller.signal.aborted) return;
      counts = { records: running.valid + running.invalid + running.late, statuses: running.statuses };
      if (!first) {
        first = { cpu: threadCpuMs(), records: counts.records };
        if (profileFile) profiler = startCpuProfile(profileFile);
      }
      process.send!({ kind: 'progress', ...counts } satisfies InstanceMessage);
    },
  });
  // An instance that wrote no batch (given no partition) measured nothing: its start-up is not a reading's cost.
  const zero = { main: 0, helpers: 0, librdkafka: 0, chdb: 0 };
  const from = first?.cpu ?? zero;
  const to = first && last ? last : from;
  const cpuMs = Object.fromEntries(
    (Object.keys(to) as ThreadKind[]).map((kind) => [kind, to[kind] - from[kind]]),
  ) as Record<ThreadKind, number>;
  const done: InstanceMessage = {
    kind: 'done',
    ...counts,
    cpuMs,
    recordsAtFirst: first?.records ?? 0,
    ...(profile ? { profile: await profile } : {}),
    log: log.slice(-15),
  };
  await sendToParent(done);
}

runScript('instance worker', main);
