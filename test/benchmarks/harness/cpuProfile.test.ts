import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from 'avsc';
import { startCpuProfile } from '../../../benchmarks/harness/cpuProfile';

/** Allocates about `mb` megabytes of short-lived arrays, and spends CPU doing it. */
function allocateArrays(mb: number): number {
  let kept = 0;
  for (let i = 0; i < mb * 16; i++) kept += new Array<number>(8192).fill(i).length;
  return kept;
}

describe('the benchmark profile', () => {
  it('sums up the time and what was allocated, collected or not, by function and place', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'derstream-profile-')), 'run.cpuprofile');
    const profiler = await startCpuProfile(file);
    allocateArrays(200);
    const summary = await profiler.stop();

    expect(existsSync(file) && existsSync(`${file}.heapprofile`)).toBe(true);
    expect(summary.allocated.file).toBe(`${file}.heapprofile`);
    // 200 MB of arrays that die at once: the heap never holds more than one of them.
    expect(summary.allocated.mb).toBeGreaterThan(150);
    expect(summary.allocated.byPlace[0]).toMatchObject({ place: 'test/benchmarks' });
    expect(summary.allocated.topFunctions[0]!.fn).toMatch(
      /^allocateArrays test\/benchmarks\/harness\/cpuProfile\.test\.ts/,
    );
    expect(summary.allocated.topFunctions[0]!.share).toBeGreaterThan(0.8);
    expect(summary.totalMs).toBeGreaterThan(0);
    expect(summary.byPlace.map((p) => p.place)).toContain('test/benchmarks');
    expect(summary.topFunctions.map((f) => f.fn)).toContainEqual(expect.stringMatching(/^allocateArrays /));
  });
});

const record = Type.forSchema({
  type: 'record',
  name: 'Spin',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'values', type: { type: 'array', items: 'double' } },
  ],
});

/** Spins for `ms`, most of it in avsc's encoding below this function. */
function spinningInSpan(ms: number): number {
  const from = Date.now();
  let sum = 0;
  while (Date.now() - from < ms)
    sum += record.toBuffer({ id: `device-${sum}`, values: [1, 2, 3, sum] }).length;
  return sum;
}

/**
 * The same work as {@link spinningInSpan}, in a function of its own: a profile tells
 * functions apart by name and place in the source, so one shared body could not show
 * which spins fell inside the spans.
 */
function spinningOutside(ms: number): number {
  const from = Date.now();
  let sum = 0;
  while (Date.now() - from < ms)
    sum += record.toBuffer({ id: `device-${sum}`, values: [1, 2, 3, sum] }).length;
  return sum;
}

describe('the benchmark profile within spans', () => {
  it('sums up only the samples inside the spans, each by the innermost own function on its stack', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'derstream-profile-')), 'run.cpuprofile');
    const profiler = await startCpuProfile(file);
    const spans: { from: number; to: number }[] = [];
    for (let i = 0; i < 2; i++) {
      spinningOutside(150);
      const from = Date.now();
      spinningInSpan(150);
      spans.push({ from, to: Date.now() });
    }
    spinningOutside(150);
    // Given in any order.
    const summary = await profiler.stop([spans[1]!, spans[0]!]);

    const inSpans = summary.inSpans!;
    // Much of the time is avsc's own, below this file's function.
    expect(inSpans.byPlace.find((p) => p.place === 'avsc')?.share).toBeGreaterThan(0.1);
    // About the spans' 300 ms: a sample counts the wall time since the one before.
    const spanned = spans.reduce((sum, { from, to }) => sum + to - from, 0);
    expect(inSpans.ms).toBeGreaterThan(0.75 * spanned);
    expect(inSpans.ms).toBeLessThanOrEqual(spanned + 20);
    const own = inSpans.byOwnFunction.map((f) => f.fn);
    expect(own[0]).toMatch(/^spinningInSpan test\/benchmarks\/harness\/cpuProfile\.test\.ts/);
    expect(inSpans.byOwnFunction[0]!.share).toBeGreaterThan(0.6);
    // A sample's time is when it was asked for; on a loaded machine the thread may run
    // on a little past the span's end before it is taken.
    const outside = inSpans.byOwnFunction.find((f) => f.fn.startsWith('spinningOutside '));
    expect(outside?.share ?? 0).toBeLessThan(0.15);
    expect(summary.totalMs).toBeGreaterThan(inSpans.ms + 300);
  });

  it('has no spans part when none are given', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'derstream-profile-')), 'run.cpuprofile');
    const profiler = await startCpuProfile(file);
    spinningOutside(20);
    expect((await profiler.stop()).inSpans).toBeUndefined();
  });
});
