/**
 * How long forecasting a large fleet takes, in CPU time: 10,000 groups × 4 parameters
 * × 96 intervals issued at one time, and the scoring of one interval. A script to run
 * by hand (`npx tsx benchmarks/forecast/issueCost.ts [groups]`), not a test:
 * timings depend on the machine.
 */
import { seededRandom } from '../simulator/fleet';
import { GroupStatus } from '../../pipelines/aggregate/groupStatus';
import { ErrorBatch } from '../../pipelines/forecast/forecastAccuracy';
import { defaultForecastSettings } from '../../pipelines/forecast/forecastConfig';
import { forecastPlan } from '../../pipelines/forecast/forecastPlan';
import { GroupForecaster } from '../../pipelines/forecast/groupForecaster';
import { ForecastBatch } from '../../pipelines/forecast/issuedForecast';

const groups = Number(process.argv[2] ?? 10_000);
const settings = defaultForecastSettings();
const intervalMs = settings.intervalMs;
// One status per interval: the statuses' window length only decides how many are averaged.
const plan = forecastPlan(settings, intervalMs);
const random = seededRandom(1);
const forecasters = Array.from(
  { length: groups },
  (_, i) => new GroupForecaster(`group-${String(i).padStart(5, '0')}`, plan),
);
const shapes = forecasters.map(() => ({ amplitude: 1000 + 4000 * random(), phase: random() * 96 }));

function statusOf(g: number, k: number): GroupStatus {
  const { amplitude, phase } = shapes[g]!;
  const sun = Math.max(0, Math.sin((2 * Math.PI * (k + phase)) / 96)) * amplitude * (0.8 + 0.2 * random());
  return {
    groupId: forecasters[g]!.groupId,
    windowStart: k * intervalMs,
    windowEnd: (k + 1) * intervalMs,
    version: 1,
    members: 100,
    reporting: 100,
    fresh: 100,
    stale: 0,
    silent: 0,
    connected: 100,
    activePower: sun - 500,
    reactivePower: null,
    maxActivePower: sun + 200,
    minActivePower: -1000,
    headroomUp: null,
    headroomDown: null,
    stateOfCharge: 50 + 40 * Math.sin((2 * Math.PI * (k + phase)) / 96),
    storedEnergy: null,
    voltageMin: null,
    voltageMax: null,
  };
}

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
