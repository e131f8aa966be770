/**
 * The status engine alone, with no Kafka and no ClickHouse: how long the reading that
 * closes a window takes (every device scanned, every group merged), how long the
 * readings that work a window out ahead of its close or compact a closed one take
 * (`aheadMs`: any other reading over 20 ms), and how much heap the engine holds per
 * device. A script to run by hand, not a test: timings depend on the machine, and this
 * one is shared.
 *
 *   npx tsx --expose-gc benchmarks/engine/windowClose.ts [devices] [groups] [windows] [--pregenerate]
 *
 * Every device reports once per 60 s window (the memory scenario's fleet), spread over
 * 12 partitions by device index; readings arrive in the simulator's order, with its
 * jitter, so the watermark crosses each window end once per window. By default the
 * readings are generated as they are fed, so the engine's heap counts the readings it
 * keeps; `--pregenerate` makes them all first, so that the simulator's garbage does not
 * fall into the closes (for timing and profiles; the heap figure is then the engine's
 * own structures only).
 */
import { PARTITIONS, WINDOW_MS, engineFleet } from './engineFleet';
import { StatusEngine, defaultSemantics } from '../../pipelines/statusEngine';

const devices = Number(process.argv[2] ?? 175_000);
const groups = Number(process.argv[3] ?? 1000);
const windows = Number(process.argv[4] ?? 6);
const pregenerate = process.argv.includes('--pregenerate');
/** A reading that takes longer without emitting a status is counted as one worked out ahead. */
const AHEAD_MS = 20;

const gc = (globalThis as { gc?: () => void }).gc;
/** The V8 heap plus typed arrays' buffers (outside the heap, where the engine keeps its rows), after a full GC. */
const heapMb = () => {
  gc?.();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return (heapUsed + arrayBuffers) / 2 ** 20;
};

const { membership, partitionOf, start, readings: fleetReadings } = engineFleet(devices, groups);
const generated = fleetReadings(start + windows * WINDOW_MS);
const readings = pregenerate ? [...generated] : generated;
const beforeEngine = heapMb();
const engine = new StatusEngine(defaultSemantics(WINDOW_MS), membership);
engine.assign(
  Array.from({ length: PARTITIONS }, (_, p) => p),
  0,
);

const closes: { ms: number; statuses: number }[] = [];
/** Readings that emit nothing yet take long: the window worked out ahead of its close (StatusEngine.workAhead). */
const aheads: number[] = [];
let statuses = 0;
let late = 0;
let count = 0;
let steadyMb = NaN;
const began = process.hrtime.bigint();
for (const [arrival, reading] of readings) {
  count++;
  const partition = partitionOf.get(reading.deviceId)!;
  const t0 = process.hrtime.bigint();
  const out = engine.reading(partition, reading, arrival);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  let emitted = 0;
  for (const o of out)
    if (o.kind === 'status') emitted++;
    else late++;
  statuses += emitted;
  if (emitted > 0) {
    closes.push({ ms, statuses: emitted });
    // Right after a close the next window is filling: the state as it is most of the time.
    steadyMb = heapMb() - beforeEngine;
  } else if (ms > AHEAD_MS) aheads.push(ms);
}
const elapsedMs = Number(process.hrtime.bigint() - began) / 1e6;
const flushT0 = process.hrtime.bigint();
statuses += engine.flush().length;
const flushMs = Number(process.hrtime.bigint() - flushT0) / 1e6;
const engineMb = heapMb() - beforeEngine;

const round = (x: number) => Math.round(x * 10) / 10;
console.log(
  JSON.stringify({
    devices,
    groups,
    windows,
    readings: count,
    devicesTracked: engine.devicesTracked,
    statuses,
    late,
    pregenerate,
    closesMs: closes.map((c) => round(c.ms)),
    aheadMs: aheads.map(round),
    flushMs: round(flushMs),
    readingsPerSecondWithClosesAndGc: Math.round(count / (elapsedMs / 1000)),
    ...(pregenerate
      ? {}
      : {
          engineMbAtLastClose: round(steadyMb),
          bytesPerDeviceAtLastClose: Math.round((steadyMb * 2 ** 20) / devices),
          engineMbAfterFlush: round(engineMb),
        }),
  }),
);
