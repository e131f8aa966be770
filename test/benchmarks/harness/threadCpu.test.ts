import { Worker } from 'node:worker_threads';
import {
  cpuMsOfStat,
  cpuPerRecordUs,
  formatCpuPerRecord,
  threadCpuMs,
} from '../../../benchmarks/harness/threadCpu';

/** Keeps the calling thread on a core for `ms`. */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('threadCpuMs', () => {
  it('counts the main thread and the threads Node starts apart', async () => {
    const before = threadCpuMs();
    spin(400);
    const afterMain = threadCpuMs();
    // A thread's time goes with it when it ends: the worker says when it has spun and
    // lives on until measured.
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const until = Date.now() + 400;
       while (Date.now() < until);
       parentPort.postMessage('spun');
       parentPort.once('message', () => process.exit(0));`,
      { eval: true },
    );
    await new Promise((resolve) => worker.once('message', resolve));
    const afterWorker = threadCpuMs();
    worker.postMessage('exit');
    await new Promise((resolve) => worker.once('exit', resolve));
    // Ticks are 10 ms and a shared machine may take the core away for a while: the
    // bounds leave room for both, not for the time landing on the wrong thread.
    expect(afterMain.main - before.main).toBeGreaterThanOrEqual(250);
    expect(afterMain.helpers - before.helpers).toBeLessThan(100);
    expect(afterWorker.main - afterMain.main).toBeLessThan(150);
    expect(afterWorker.helpers - afterMain.helpers).toBeGreaterThanOrEqual(250);
  });
});

describe('cpuPerRecordUs', () => {
  it('is the CPU each record cost, by kind, leaving out kinds that used none', () => {
    const figures = cpuPerRecordUs(
      { main: 1000, helpers: 200, librdkafka: 0, chdb: 50 },
      { main: 3500, helpers: 700, librdkafka: 0, chdb: 50 },
      2_000_000,
    );
    expect(figures).toEqual({ main: 1.25, helpers: 0.25 });
    expect(formatCpuPerRecord(figures)).toBe("main thread 1.25, V8's and libuv's 0.25");
    expect(
      cpuPerRecordUs(
        { main: 0, helpers: 0, librdkafka: 0, chdb: 0 },
        { main: 5, helpers: 0, librdkafka: 0, chdb: 0 },
        0,
      ),
    ).toEqual({});
  });
});

describe('cpuMsOfStat', () => {
  it("adds a stat line's user and system ticks, whatever its name holds", () => {
    // Fields 14 and 15 (utime, stime) in ticks of 10 ms; a thread's name may hold ") ".
    const stat = '4242 (rdk:main) x) S 1 4242 4242 0 -1 4194304 900 0 0 0 123 45 0 0 20 0 7 0 100 1000 50';
    expect(cpuMsOfStat(stat)).toBe(1680);
  });
});
