import { join } from 'node:path';
import { brokerCpuMs } from './brokerProcess';
import { ProfileSummary } from './cpuProfile';
import { forkTypescript } from './forkTypescript';
import { InstanceMessage } from './instanceWorker';
import { progressBar } from './progressBar';
import { withStallGuard } from './stallGuard';
import { ThreadKind } from './threadCpu';

export interface InstancesSpec {
  /** For the progress bar and errors: "single", "scaled". */
  name: string;
  /** One environment per instance (its consumer group, chDB directory, scale-out setting). */
  envs: NodeJS.ProcessEnv[];
  /** Readings on the topic, the end-of-input markers included. */
  total: number;
  /** Done once the instances together have emitted this many status versions (and read `total`). */
  statuses?: number;
  quiet?: boolean;
  /** Fail when no instance writes a batch for this long (120 s). */
  stallMs?: number;
}

export interface InstancesFigures {
  instances: number;
  /** Records the instances read together: above `total` when a rebalance had one read again what another had read. */
  recordsRead: number;
  /** Status versions the instances emitted together. */
  statuses: number;
  /** From starting the processes to the last record read and the last status written, ms. */
  wallMs: number;
  /** From starting the processes to the first batch written by any, ms. */
  startupMs: number;
  /** `total` over `wallMs`. */
  readingsPerSecond: number;
  /** The rest of `total` after the first batch, over the time from it to the end. */
  steadyReadingsPerSecond: number;
  /**
   * CPU µs a reading, over each instance's span from its first batch to the end (the
   * readings of `total` not in those first batches): every instance's threads summed by
   * kind, and the local broker's (`broker`) from the first batch of any.
   */
  cpuPerReadingUs: Partial<Record<ThreadKind | 'broker', number>>;
  /** Instances profiled (`DERSTREAM_BENCH_PROFILE` in their environment): each one's main thread. */
  profiles?: ProfileSummary[];
}

/**
 * Instances of `derstream run`, each alone in a child process (instanceWorker.ts),
 * started together on a pre-produced topic and stopped once together they have read
 * every record and emitted every status asked for. Their counts come after each batch
 * they have durably written, so at that point everything is written.
 */
export async function runInstancesToEnd(spec: InstancesSpec): Promise<InstancesFigures> {
  const bar = progressBar(spec.name, spec.total, { quiet: spec.quiet, unit: 'readings' });
  const latest = spec.envs.map(() => ({ records: 0, statuses: 0 }));
  const sum = (field: 'records' | 'statuses') => latest.reduce((total, counts) => total + counts[field], 0);
  const startedAt = performance.now();
  let first: { at: number; records: number; brokerMs: number | undefined } | undefined;
  let lastAt = startedAt;
  let end: { at: number; brokerMs: number | undefined } | undefined;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const workers = spec.envs.map((env, i) =>
    forkTypescript<InstanceMessage>(join(__dirname, 'instanceWorker.ts'), [], {
      env,
      onMessage: (message) => {
        const m = message as InstanceMessage;
        if (m.kind !== 'progress' || end) return;
        latest[i] = { records: m.records, statuses: m.statuses };
        lastAt = performance.now();
        first ??= { at: lastAt, records: m.records, brokerMs: brokerCpuMs() };
        bar.update(Math.min(spec.total, sum('records')));
        if (sum('records') >= spec.total && sum('statuses') >= (spec.statuses ?? 0)) {
          end = { at: lastAt, brokerMs: brokerCpuMs() };
          finished();
        }
      },
    }),
  );
  const stop = () => {
    for (const { child } of workers) if (child.connected) child.send('stop');
  };
  const reports = Promise.all(workers.map((w) => w.exited));
  try {
    await withStallGuard(
      Promise.race([
        done,
        reports.then(() => {
          throw new Error('an instance stopped before the end');
        }),
      ]),
      () => lastAt,
      spec.stallMs ?? 120_000,
      () => `${sum('records')} of ${spec.total} records, ${sum('statuses')} statuses`,
    );
  } catch (error) {
    stop();
    const logs = ((await reports.catch(() => [])) as InstanceMessage[])
      .map((m, i) => (m.kind === 'done' ? `instance ${i + 1}:\n  ${m.log.join('\n  ')}` : ''))
      .filter((text) => text !== '');
    throw new Error(
      `${spec.name}: ${(error as Error).message}${logs.length > 0 ? `; the last log lines of ${logs.join('\n')}` : ''}`,
      {
        cause: error,
      },
    );
  }
  bar.finish(spec.total);
  stop();
  const finals = (await reports).filter(
    (m): m is Extract<InstanceMessage, { kind: 'done' }> => m.kind === 'done',
  );
  const { at, brokerMs } = end!;
  const cpuMs: Partial<Record<ThreadKind | 'broker', number>> = {};
  for (const report of finals)
    for (const [kind, ms] of Object.entries(report.cpuMs) as [ThreadKind, number][])
      cpuMs[kind] = (cpuMs[kind] ?? 0) + ms;
  if (brokerMs !== undefined && first!.brokerMs !== undefined) cpuMs.broker = brokerMs - first!.brokerMs;
  const measured = spec.total - finals.reduce((total, r) => total + r.recordsAtFirst, 0);
  const cpuPerReadingUs = Object.fromEntries(
    Object.entries(cpuMs)
      .filter(([, ms]) => ms > 0 && measured > 0)
      .map(([kind, ms]) => [kind, Math.round((ms * 1000 * 100) / measured) / 100]),
  );
  const wallMs = at - startedAt;
  const steadyMs = at - first!.at;
  return {
    instances: spec.envs.length,
    recordsRead: finals.reduce((total, r) => total + r.records, 0),
    statuses: finals.reduce((total, r) => total + r.statuses, 0),
    wallMs: Math.round(wallMs),
    startupMs: Math.round(first!.at - startedAt),
    readingsPerSecond: Math.round((spec.total * 1000) / wallMs),
    steadyReadingsPerSecond: steadyMs > 0 ? Math.round(((spec.total - first!.records) * 1000) / steadyMs) : 0,
    cpuPerReadingUs,
    ...(finals.some((r) => r.profile)
      ? { profiles: finals.flatMap((r) => (r.profile ? [r.profile] : [])) }
      : {}),
  };
}
