import { ConfigError } from '../../pipelines/errors';
import { parseDuration } from '../../pipelines/config/duration';
import { defaultSemantics, StatusSemantics } from '../../pipelines/statusEngine';
import { replay, ReplayOptions } from '../replay';

/**
 * `derstream replay --telemetry T.ndjson --groups G.json --out DIR [--window 60s]
 * [--out-of-orderness 5s] [--lateness 0] [--staleness 3m]`: defaults from SEMANTICS.md,
 * the staleness bound following the window (3 W) unless given.
 */
export function parseReplayOptions(values: Record<string, string | undefined>): ReplayOptions {
  for (const name of ['telemetry', 'groups', 'out'] as const) {
    if (!values[name]) throw new ConfigError(`--${name}`, 'is required');
  }
  const duration = (name: string, fallback: number, min: number) => {
    const text = values[name];
    if (text === undefined) return fallback;
    const ms = parseDuration(text);
    if (ms === undefined)
      throw new ConfigError(`--${name}`, `"${text}" is not a duration (e.g. 500ms, 5s, 3m, 1h or ms)`);
    if (ms < min) throw new ConfigError(`--${name}`, `"${text}" must be at least ${min} ms`);
    return ms;
  };
  const windowMs = duration('window', 60_000, 1);
  const defaults = defaultSemantics(windowMs);
  const semantics: StatusSemantics = {
    ...defaults,
    outOfOrdernessMs: duration('out-of-orderness', defaults.outOfOrdernessMs, 0),
    latenessMs: duration('lateness', defaults.latenessMs, 0),
    stalenessMs: duration('staleness', defaults.stalenessMs, 0),
  };
  return { telemetry: values.telemetry!, groups: values.groups!, out: values.out!, semantics };
}

export async function replayCommand(options: ReplayOptions, log: (line: string) => void): Promise<void> {
  const started = process.hrtime.bigint();
  const summary = await replay(options);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  log(
    `replay: ${summary.lines} lines, ${summary.valid} valid, ${summary.invalid} dead-lettered, ${summary.late} late, ` +
      `${summary.statuses} status versions in ${seconds.toFixed(2)} s (${Math.round(summary.lines / seconds)} lines/s) → ${options.out}`,
  );
}
