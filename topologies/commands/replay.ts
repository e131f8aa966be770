import { ConfigError } from '../../pipelines/errors';
import { durationSetting } from '../../pipelines/config/settings';
import { defaultSemantics, StatusSemantics } from '../../pipelines/statusEngine';
import { parseForecastConfig } from '../../pipelines/forecast/forecastConfig';
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
  // Flags are read like settings, named as the user typed them.
  const flags = Object.fromEntries(Object.entries(values).map(([name, value]) => [`--${name}`, value]));
  const windowMs = durationSetting(flags, '--window', 60_000, 1);
  const defaults = defaultSemantics(windowMs);
  const semantics: StatusSemantics = {
    ...defaults,
    outOfOrdernessMs: durationSetting(flags, '--out-of-orderness', defaults.outOfOrdernessMs),
    latenessMs: durationSetting(flags, '--lateness', defaults.latenessMs),
    stalenessMs: durationSetting(flags, '--staleness', defaults.stalenessMs),
  };
  return {
    telemetry: values.telemetry!,
    groups: values.groups!,
    out: values.out!,
    semantics,
    // Forecast settings come from the environment, as for `derstream run`.
    forecasts: parseForecastConfig(process.env, windowMs),
    xml: values.xml === 'true',
  };
}

export async function replayCommand(options: ReplayOptions, log: (line: string) => void): Promise<void> {
  const started = process.hrtime.bigint();
  const summary = await replay(options);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  log(
    `replay: ${summary.lines} lines, ${summary.valid} valid, ${summary.invalid} dead-lettered, ${summary.late} late, ` +
      `${summary.statuses} status versions, ${summary.forecasts} forecasts in ${seconds.toFixed(2)} s (${Math.round(summary.lines / seconds)} lines/s) → ${options.out}`,
  );
}
