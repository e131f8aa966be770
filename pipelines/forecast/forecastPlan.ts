import { LeadGrid } from './errorBands';
import { ForecastSettings, validateForecastSettings } from './forecastConfig';
import { TypedArena } from './typedArena';

/** Validated settings with what follows from them, and the memory every series of a fleet shares. */
export interface ForecastPlan {
  settings: ForecastSettings;
  /** The status window `W`: an interval is made of whole windows. */
  windowMs: number;
  /** Intervals per season (96 for a day of 15 minutes). */
  seasonLength: number;
  /** Intervals between issue times. */
  issueStride: number;
  grid: LeadGrid;
  /** Where every series' arrays are carved from. */
  arena: TypedArena;
}

export function forecastPlan(settings: ForecastSettings, windowMs: number): ForecastPlan {
  validateForecastSettings(settings, windowMs);
  return {
    settings,
    windowMs,
    seasonLength: settings.seasonMs / settings.intervalMs,
    issueStride: settings.issueEveryMs / settings.intervalMs,
    grid: new LeadGrid(settings.horizon),
    arena: new TypedArena(),
  };
}
