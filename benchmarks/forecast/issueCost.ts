/**
 * How long forecasting a large fleet takes, in CPU time: 10,000 groups × 4 parameters
 * × 96 intervals issued at one time, and the scoring of one interval. A script to run
 * by hand (`npx tsx benchmarks/forecast/issueCost.ts [groups]`), not a test:
 * timings depend on the machine.
 */
import { ErrorBatch } from '../../pipelines/forecast/forecastAccuracy';
import { defaultForecastSettings } from '../../pipelines/forecast/forecastConfig';
import { forecastPlan } from '../../pipelines/forecast/forecastPlan';
import { ForecastBatch } from '../../pipelines/forecast/issuedForecast';
import { syntheticForecasters } from './syntheticForecasters';

const groups = Number(process.argv[2] ?? 10_000);
const settings = defaultForecastSettings();
const intervalMs = settings.intervalMs;
// One status per interval: the statuses' window length only decides how many are averaged.
const plan = forecastPlan(settings, intervalMs);
const { forecasters, statusOf } = syntheticForecasters(groups, plan, intervalMs);

function cpuMs(run: () => void): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

const batchOf = (k: number) => new ForecastBatch(k * intervalMs, intervalMs, settings.horizon, groups * 4);

// A day and a bit of history, so the seasonal methods have started; forecasts issued
// over the last intervals, so there are errors for the bands and the choice of method.
const start = 20_000 * 96;
const history = 100;
for (let k = start; k < start + history; k++) {
  for (let g = 0; g < groups; g++) forecasters[g]!.add(statusOf(g, k));
  const errors = new ErrorBatch(k * intervalMs, intervalMs);
  for (const group of forecasters) group.close(k, errors);
  const batch = batchOf(k + 1);
  if (k >= start + history - 8) for (const group of forecasters) group.issue(k + 1, batch, false);
}
// Then a few rounds of one interval each: its close (learning, scoring) and the issue at its end.
for (let k = start + history; k < start + history + 8; k++) {
  for (let g = 0; g < groups; g++) forecasters[g]!.add(statusOf(g, k));
  const errors = new ErrorBatch(k * intervalMs, intervalMs);
  const closeMs = cpuMs(() => {
    for (const group of forecasters) group.close(k, errors);
  });
  let batch = batchOf(k + 1);
  const issueMs = cpuMs(() => {
    batch = batchOf(k + 1);
    for (const group of forecasters) group.issue(k + 1, batch, false);
  });
  // What a writer that wants objects pays on top, once per forecast.
  const objectsMs = cpuMs(() => {
    for (let i = 0; i < batch.size; i++) batch.forecast(i);
  });
  console.log(
    `issue of ${batch.size} forecasts, ${batch.size * batch.horizon} points: ${issueMs.toFixed(0)} ms CPU ` +
      `(as objects: ${objectsMs.toFixed(0)} ms more); ` +
      `close with ${errors.size} error records: ${closeMs.toFixed(0)} ms CPU`,
  );
}
const memory = process.memoryUsage();
console.log(
  `${groups} groups: rss ${(memory.rss / 2 ** 20).toFixed(0)} MiB, heap ${(memory.heapUsed / 2 ** 20).toFixed(0)} MiB, ` +
    `array buffers ${(memory.arrayBuffers / 2 ** 20).toFixed(0)} MiB`,
);
