/**
 * What taking in one reading costs the partial stages (`PartialStage.add`) as the fleet
 * grows, and how much of it is finding the device's slot (a `Map` from device id to
 * slot). A script to run by hand, not a test: timings depend on the machine.
 *
 *   npx tsx benchmarks/engine/stageAddCost.ts [devices…]   (default 100000 942000)
 *
 * Readings come as in the latency scenario: every device once every 10 s, spread over
 * 12 partitions by device index, each device id a new string (as Avro decodes it). Per
 * fleet size, CPU per reading for: making the reading alone, the slot lookup alone
 * (12 maps as the stages hold them), and `add` (after 20 s of warm-up, over 2 minutes
 * of event time, closing windows as they pass).
 */
import { PartialStage } from '../../pipelines/aggregate/partialStage';
import { TelemetryReading } from '../../pipelines/telemetryReading';

const PARTITIONS = 12;
const WINDOW_MS = 60_000;
const T0 = 1_796_000_000_000;
const windowEndOf = (ts: number) => Math.floor(ts / WINDOW_MS) * WINDOW_MS + WINDOW_MS;

/** Keeps the optimiser from dropping work whose result is unused. */
let sink = 0;

const readingOf = (device: number, second: number): TelemetryReading => ({
  deviceId: `dev-${device}`,
  ts: T0 + second * 1000 + (device % 1000),
  activePower: device,
  reactivePower: null,
  voltage: 230,
  stateOfCharge: null,
  maxActivePower: 5000,
  minActivePower: 0,
  connected: true,
});

/** ns of CPU per reading of `take` (and `endOfSecond`), each device reporting every 10 s, after 20 s of warm-up. */
function perReading(
  devices: number,
  seconds: number,
  take: (device: number, second: number) => void,
  endOfSecond: (second: number) => void = () => undefined,
): number {
  const perSecond = devices / 10;
  let readings = 0;
  let cpuUs = 0;
  for (let second = 0; second < seconds; second++) {
    const before = process.cpuUsage();
    const first = (second % 10) * perSecond;
    for (let k = 0; k < perSecond; k++) take(first + k, second);
    endOfSecond(second);
    const used = process.cpuUsage(before);
    if (second >= 20) {
      cpuUs += used.user + used.system;
      readings += perSecond;
    }
  }
  return (cpuUs * 1000) / readings;
}

function measure(devices: number): string {
  const making = perReading(devices, 60, (device, second) => {
    sink += readingOf(device, second).ts;
  });

  const slots = Array.from({ length: PARTITIONS }, () => new Map<string, number>());
  for (let device = 0; device < devices; device++) slots[device % PARTITIONS]!.set(`dev-${device}`, device);
  const lookup = perReading(devices, 60, (device) => {
    sink += slots[device % PARTITIONS]!.get(`dev-${device}`)!;
  });

  const stages = Array.from(
    { length: PARTITIONS },
    (_, partition) => new PartialStage(partition, windowEndOf, 300_000),
  );
  const adding = perReading(
    devices,
    140,
    (device, second) => stages[device % PARTITIONS]!.add(readingOf(device, second)),
    (second) => {
      if (second % 60 === 59)
        for (const stage of stages) stage.markClosed(windowEndOf(T0 + second * 1000) - 2 * WINDOW_MS);
    },
  );
  return `${devices} devices: making a reading ${making.toFixed(0)} ns, slot lookup ${lookup.toFixed(0)} ns, add ${adding.toFixed(0)} ns (reading included)`;
}

const fleets = process.argv.slice(2).map(Number);
for (let round = 0; round < 3; round++)
  for (const devices of fleets.length > 0 ? fleets : [100_000, 942_000]) console.log(measure(devices));
if (sink === -1) console.log(sink);
