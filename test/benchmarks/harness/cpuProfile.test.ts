import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
