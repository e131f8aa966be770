import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** Where `npm run bench` files its results (benchmarks/results), wherever it is run from. */
export const FILED_RESULTS_DIR = resolve(__dirname, '../results');

/**
 * The e2e rate (readings/s) of the newest e2e, compare or peer result read from messages
 * of the same kind (`batch` readings per message, 1 for single readings), and its file:
 * the latency scenario sends at half of it unless told a rate, the soak at all of it.
 * The first of `dirs` that holds such a result is used; a file outside the first is
 * named with its folder. A run with `--out` thus takes the filed rate when its own
 * folder has none, instead of a fallback far from what the pipeline does.
 */
export function latestE2eRate(
  dirs: readonly string[],
  batch = 1,
): { rate: number; file: string } | undefined {
  for (const [i, dir] of dirs.entries()) {
    const found = newestIn(dir, batch);
    if (found)
      return {
        rate: found.rate,
        file: i === 0 ? found.file : join(relative(process.cwd(), dir), found.file),
      };
  }
  return undefined;
}

function newestIn(dir: string, batch: number): { rate: number; file: string } | undefined {
  let files: string[];
  try {
    files = readdirSync(dir).filter((name) => /^(e2e|compare|peer)-.*\.json$/.test(name));
  } catch {
    return undefined;
  }
  let newest: { rate: number; file: string; at: string } | undefined;
  for (const file of files) {
    try {
      const result = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
        startedAt?: string;
        parameters?: { batch?: number };
        figures?: { e2e?: { pipeline?: { readingsPerSecond?: number } } };
      };
      if ((result.parameters?.batch ?? 1) !== batch) continue;
      const rate = result.figures?.e2e?.pipeline?.readingsPerSecond;
      const at = result.startedAt ?? '';
      if (typeof rate === 'number' && rate > 0 && (newest === undefined || at > newest.at))
        newest = { rate, file, at };
    } catch {
      // not a result file
    }
  }
  return newest && { rate: newest.rate, file: newest.file };
}
