import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The e2e rate (readings/s) of the newest e2e, compare or peer result in `dir` read from
 * messages of the same kind (`batch` readings per message, 1 for single readings), and
 * its file: the latency scenario sends at half of it unless told a rate, the soak at all of it.
 */
export function latestE2eRate(dir: string, batch = 1): { rate: number; file: string } | undefined {
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
