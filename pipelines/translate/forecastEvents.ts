import { IssuedForecast } from '../forecast/issuedForecast';
import { DerGroupForecastsOptions, isTranslatable, toCreatedDerGroupForecasts } from './derGroupForecasts';
import { contentUuid, withinLimit } from './statusEvents';

/** One `CreatedDERGroupForecasts` message, ready for `dms.DERGroupForecasts` or a file. */
export interface ForecastEvent {
  /** The Kafka key: the group's mRID; for a batch of several groups, the issue time in ISO 8601. */
  key: string;
  issuedAt: number;
  messageId: string;
  xml: string;
}

export interface ForecastEventOptions extends DerGroupForecastsOptions {
  source: string;
  /** Header Timestamp (live: the wall clock; replay: the issue time, so files are deterministic). */
  timestamp: (issuedAt: number) => number;
  /** All groups of one issue time in messages of at most `maxBytes` (one group is never split). */
  batch?: { maxBytes: number };
}

/**
 * The messages for the forecasts of one issue time: one per group (all its parameters
 * together), or with `batch` as few as the size limit allows. Forecasts of parameters the
 * configured schema has no DERParameterKind for (state of charge, by default) are left
 * out. The MessageID is a name-based UUID of the forecasts, so a repeat after a restart
 * carries the same one.
 */
export function forecastEvents(
  forecasts: readonly IssuedForecast[],
  options: ForecastEventOptions,
): ForecastEvent[] {
  const translatable = forecasts.filter((f) => isTranslatable(f.parameter, options));
  const byGroup = new Map<string, IssuedForecast[]>();
  for (const forecast of translatable) {
    const list = byGroup.get(forecast.groupId);
    if (list) list.push(forecast);
    else byGroup.set(forecast.groupId, [forecast]);
  }
  const groups = [...byGroup.values()];
  if (!options.batch) return groups.map((group) => event(group, options));
  return withinLimit(groups, (part) => event(part.flat(), options), options.batch.maxBytes);
}

function event(forecasts: IssuedForecast[], options: ForecastEventOptions): ForecastEvent {
  const first = forecasts[0]!;
  const single = forecasts.every((f) => f.groupId === first.groupId);
  const messageId = contentUuid(forecasts.map((f) => JSON.stringify(f)).join('\n'), 'derstream.forecast');
  return {
    key: single ? first.groupId : new Date(first.issuedAt).toISOString(),
    issuedAt: first.issuedAt,
    messageId,
    xml: toCreatedDerGroupForecasts(
      forecasts,
      { messageId, timestamp: options.timestamp(first.issuedAt), source: options.source },
      options,
    ),
  };
}
