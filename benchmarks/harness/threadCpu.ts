import { readdirSync, readFileSync } from 'node:fs';

/** Which of a Node process's threads a CPU figure belongs to. */
export type ThreadKind = 'main' | 'helpers' | 'librdkafka' | 'chdb';

/** What the kinds are called in figures people read. */
export const THREAD_KIND_NAMES: Record<ThreadKind, string> = {
  main: 'main thread',
  helpers: "V8's and libuv's",
  librdkafka: "librdkafka's",
  chdb: "chDB's",
};

/** Linux's clock ticks a second (USER_HZ), in which /proc reports CPU time. */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user and system) this process's threads have used so far, ms, by kind
 * (Linux: /proc/self/task). `main` is the JavaScript thread; `helpers` the other
 * threads Node names `node`: V8's (its concurrent and parallel garbage collection,
 * compilers), libuv's pool and any worker threads; `librdkafka` the threads
 * Confluent's client starts (`rdk:…`); `chdb` every other thread, which in this
 * project's processes are chDB's (`ThreadPool`, `BgSchPool`, its merges and queries).
 * A thread that ended since the last call takes its time with it, so measure across a
 * span in which the threads of interest live.
 */
export function threadCpuMs(): Record<ThreadKind, number> {
  const used: Record<ThreadKind, number> = { main: 0, helpers: 0, librdkafka: 0, chdb: 0 };
  for (const thread of readdirSync('/proc/self/task')) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${thread}/stat`, 'utf8');
    } catch {
      continue; // ended while listed
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const kind: ThreadKind =
      thread === String(process.pid)
        ? 'main'
        : name === 'node'
          ? 'helpers'
          : name.startsWith('rdk:')
            ? 'librdkafka'
            : 'chdb';
    used[kind] += cpuMsOfStat(stat);
  }
  return used;
}

/** The CPU time (user and system) in a `/proc/…/stat` line (a process's or a thread's), ms. */
export function cpuMsOfStat(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/**
 * CPU µs a record by kind of thread between two {@link threadCpuMs} readings, rounded
 * to hundredths; kinds that used none are left out.
 */
export function cpuPerRecordUs(
  from: Record<ThreadKind, number>,
  to: Record<ThreadKind, number>,
  records: number,
): Partial<Record<ThreadKind, number>> {
  const figures: Partial<Record<ThreadKind, number>> = {};
  for (const kind of Object.keys(to) as ThreadKind[]) {
    const used = to[kind] - from[kind];
    if (used > 0 && records > 0) figures[kind] = Math.round((used * 1000 * 100) / records) / 100;
  }
  return figures;
}

/** `main thread 1.25, V8's and libuv's 0.58`: a {@link cpuPerRecordUs} result for a reader. */
export function formatCpuPerRecord(figures: Partial<Record<ThreadKind, number>>): string {
  return (Object.keys(THREAD_KIND_NAMES) as ThreadKind[])
    .filter((kind) => figures[kind] !== undefined)
    .map((kind) => `${THREAD_KIND_NAMES[kind]} ${figures[kind]!.toFixed(2)}`)
    .join(', ');
}
