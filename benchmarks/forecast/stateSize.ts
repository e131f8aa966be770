/**
 * How much memory the forecaster holds per series (group and parameter) as it runs:
 * before any forecast is issued, an hour, a day and four days into issuing one every
 * interval (the default schedule). A script to run by hand, not a test:
 *
 *   npx tsx --expose-gc benchmarks/forecast/stateSize.ts [groups]
 *
 * Each group has one status per interval with all four parameters, so every group has
 * four series; the figures are typed arrays and V8's heap after two full GCs, less
 * what was held before the forecasters were made.
 */
import { ErrorBatch } from '../../pipelines/forecast/forecastAccuracy';
import { defaultForecastSettings } from '../../pipelines/forecast/forecastConfig';
import { forecastPlan } from '../../pipelines/forecast/forecastPlan';
import { ForecastBatch } from '../../pipelines/forecast/issuedForecast';
import { syntheticForecasters } from './syntheticForecasters';

const groups = Number(process.argv[2] ?? 1000);
const settings = defaultForecastSettings();
const { intervalMs, horizon } = settings;
const plan = forecastPlan(settings, intervalMs);
const gc = (globalThis as { gc?: () => void }).gc;
/**
 * V8's heap and typed arrays' buffers, after two full GCs: buffers a GC finds dropped
 * (a store that grew) are freed by a concurrent sweeper, and counted until the next
 * one. With one GC, a day of issuing read 63.2 KB of typed arrays a series (7959983);
 * with two, 52.7 KB: the difference was buffers waiting to be freed.
 */
const held = () => {
  gc?.();
  gc?.();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return { heapUsed, arrayBuffers };
};

const before = held();
const { forecasters, statusOf } = syntheticForecasters(groups, plan, intervalMs);

const series = groups * settings.parameters.length;
const report = (label: string) => {
  const now = held();
  const perSeries = (bytes: number) => Math.round(bytes / series);
  console.log(
    `${label}: ${perSeries(now.arrayBuffers - before.arrayBuffers)} bytes of typed arrays and ` +
      `${perSeries(now.heapUsed - before.heapUsed)} of heap per series (${series} series)`,
  );
};

// A day of statuses first (no forecast yet), then a forecast issued at every interval.
const start = 20_000 * 96;
const checkpoints = new Map([
  [start + 96, 'a day of statuses, nothing issued yet'],
  [start + 96 + 4, 'an hour of issuing'],
  [start + 2 * 96, 'a day of issuing'],
  [start + 5 * 96, 'four days of issuing (every ring full)'],
]);
for (let k = start; k < start + 5 * 96; k++) {
  for (let g = 0; g < groups; g++) forecasters[g]!.add(statusOf(g, k));
  const errors = new ErrorBatch(k * intervalMs, intervalMs);
  for (const group of forecasters) group.close(k, errors);
  if (k + 1 > start + 96) {
    const batch = new ForecastBatch((k + 1) * intervalMs, intervalMs, horizon, series);
    for (const group of forecasters) group.issue(k + 1, batch, false);
  }
  const checkpoint = checkpoints.get(k + 1);
  if (checkpoint) report(checkpoint);
}
