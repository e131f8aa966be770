import { defaultSemantics, StatusSemantics } from '../statusEngine';
import { durationSetting, Env } from './settings';

/**
 * The time rules of SEMANTICS.md §3 as settings of the live pipeline, with its
 * defaults: W 60 s, B 5 s, L 0, S 3 W, idle timeout 30 s, future tolerance 5 min.
 *
 * | setting | default |
 * |---|---|
 * | `DERSTREAM_WINDOW` | `60s` |
 * | `DERSTREAM_OUT_OF_ORDERNESS` | `5s` |
 * | `DERSTREAM_LATENESS` | `0` |
 * | `DERSTREAM_STALENESS` | 3 × window |
 * | `DERSTREAM_IDLE_TIMEOUT` | `30s` |
 * | `DERSTREAM_FUTURE_TOLERANCE` | `5m` |
 */
export interface LiveSemantics extends StatusSemantics {
  futureToleranceMs: number;
}

export function parseSemanticsConfig(env: Env): LiveSemantics {
  const windowMs = durationSetting(env, 'DERSTREAM_WINDOW', 60_000, 1);
  const defaults = defaultSemantics(windowMs);
  return {
    windowMs,
    outOfOrdernessMs: durationSetting(env, 'DERSTREAM_OUT_OF_ORDERNESS', defaults.outOfOrdernessMs),
    latenessMs: durationSetting(env, 'DERSTREAM_LATENESS', defaults.latenessMs),
    stalenessMs: durationSetting(env, 'DERSTREAM_STALENESS', defaults.stalenessMs),
    idleTimeoutMs: durationSetting(env, 'DERSTREAM_IDLE_TIMEOUT', defaults.idleTimeoutMs, 1),
    futureToleranceMs: durationSetting(env, 'DERSTREAM_FUTURE_TOLERANCE', 300_000),
  };
}
