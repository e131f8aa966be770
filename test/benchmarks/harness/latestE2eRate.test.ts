import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { latestE2eRate } from '../../../benchmarks/harness/latestE2eRate';

function resultsDir(results: { name: string; startedAt: string; rate: number; batch?: number }[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'derstream-e2e-rate-'));
  for (const r of results)
    writeFileSync(
      join(dir, r.name),
      JSON.stringify({
        startedAt: r.startedAt,
        parameters: r.batch ? { batch: r.batch } : {},
        figures: { e2e: { pipeline: { readingsPerSecond: r.rate } } },
      }),
    );
  return dir;
}

describe('latestE2eRate', () => {
  const filed = resultsDir([
    { name: 'compare-a.json', startedAt: '2026-12-05T15:04:20Z', rate: 188_318 },
    { name: 'e2e-b.json', startedAt: '2026-12-04T10:00:00Z', rate: 90_000 },
    { name: 'compare-c.json', startedAt: '2026-12-06T10:00:00Z', rate: 277_000, batch: 50 },
  ]);

  it('takes the newest result of the same message kind from the first folder that has one', () => {
    const own = resultsDir([{ name: 'peer-d.json', startedAt: '2026-12-01T00:00:00Z', rate: 50_000 }]);
    expect(latestE2eRate([own, filed])).toEqual({ rate: 50_000, file: 'peer-d.json' });
    expect(latestE2eRate([filed])).toEqual({ rate: 188_318, file: 'compare-a.json' });
    expect(latestE2eRate([filed], 50)).toEqual({ rate: 277_000, file: 'compare-c.json' });
  });

  it('falls through to the filed results, naming the file with its folder, and to nothing', () => {
    const empty = resultsDir([]);
    expect(latestE2eRate([empty, filed])).toEqual({
      rate: 188_318,
      file: join(relative(process.cwd(), filed), 'compare-a.json'),
    });
    expect(latestE2eRate([empty, join(empty, 'missing')])).toBeUndefined();
  });
});
