import { TelemetryReading } from '../../pipelines/telemetryReading';

/**
 * A simulated DER fleet: PV inverters with a diurnal curve and passing clouds,
 * batteries that charge at midday and discharge in the evening, EV chargers plugged
 * in overnight, and household loads. Everything is a function of a seed, so the same
 * parameters give the same fleet and the same readings.
 */
export type DeviceKind = 'pv' | 'battery' | 'ev' | 'load';

export interface SimDevice {
  id: string;
  kind: DeviceKind;
  /** W, the nameplate. */
  ratedPower: number;
  /** Wh, storage only. */
  ratedEnergy: number | null;
  /** How often it reports, ms. */
  intervalMs: number;
  /** Offset of its reports within the interval, ms. */
  phaseMs: number;
  /** A per-device constant in [0, 1) that varies clouds, habits and voltage. */
  character: number;
  groups: string[];
}

export interface GroupMember {
  deviceId: string;
  ratedPower?: number;
  ratedEnergy?: number;
}

/** Membership in the JSON form of SEMANTICS.md §2. */
export interface GroupDefinition {
  mRID: string;
  name?: string;
  effectiveFrom?: number;
  deleted?: boolean;
  members?: GroupMember[];
}

export interface Fleet {
  devices: SimDevice[];
  groups: GroupDefinition[];
}

export interface FleetOptions {
  devices: number;
  groups: number;
  seed?: number;
  /** When set, every device reports this often (ms, whole seconds) instead of its kind's usual interval. */
  intervalMs?: number;
  /** Only these kinds, in their usual proportions to one another (default: all four). */
  kinds?: readonly DeviceKind[];
}

export const DEVICE_KINDS: readonly DeviceKind[] = ['pv', 'battery', 'ev', 'load'];

/** mulberry32: a small, fast, seedable PRNG; good enough for simulation, not for keys. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KIND_SHARE: readonly [DeviceKind, number][] = [
  ['pv', 0.45],
  ['battery', 0.2],
  ['ev', 0.1],
  ['load', 0.25],
];
const KIND_INTERVALS_MS: Record<DeviceKind, readonly number[]> = {
  pv: [10_000, 30_000, 60_000],
  battery: [10_000, 30_000],
  ev: [30_000, 60_000, 300_000],
  load: [60_000, 300_000],
};

export function createFleet(options: FleetOptions): Fleet {
  const random = seededRandom(options.seed ?? 1);
  const groupIds = Array.from(
    { length: options.groups },
    (_, i) => `group-${String(i + 1).padStart(5, '0')}`,
  );
  const members = new Map<string, GroupMember[]>(groupIds.map((id) => [id, []]));
  const devices: SimDevice[] = [];
  const shares = KIND_SHARE.filter(([kind]) => options.kinds?.includes(kind) ?? true);
  const total = shares.reduce((sum, [, share]) => sum + share, 0);
  for (let i = 0; i < options.devices; i++) {
    const pick = random() * total;
    let kind: DeviceKind = shares.at(-1)![0];
    let cumulative = 0;
    for (const [candidate, share] of shares) {
      cumulative += share;
      if (pick < cumulative) {
        kind = candidate;
        break;
      }
    }
    const ratedPower = { pv: 3000 + Math.round(random() * 7000), battery: 5000, ev: 7400, load: 3000 }[kind];
    const ratedEnergy = kind === 'battery' ? 13_500 : null;
    const intervals = KIND_INTERVALS_MS[kind];
    const intervalMs = options.intervalMs
      ? Math.max(1000, Math.round(options.intervalMs / 1000) * 1000)
      : intervals[Math.floor(random() * intervals.length)]!;
    // A device is in its feeder's group, and sometimes also in one or two programme groups.
    const groups = [groupIds[i % groupIds.length]!];
    for (const chance of [0.3, 0.1]) {
      const extra = groupIds[Math.floor(random() * groupIds.length)]!;
      if (random() < chance && !groups.includes(extra)) groups.push(extra);
    }
    const device: SimDevice = {
      id: `der-${String(i + 1).padStart(7, '0')}`,
      kind,
      ratedPower,
      ratedEnergy,
      intervalMs,
      phaseMs: Math.floor(random() * intervalMs),
      character: random(),
      groups,
    };
    devices.push(device);
    for (const group of groups) {
      members.get(group)!.push({
        deviceId: device.id,
        ratedPower,
        ...(ratedEnergy === null ? {} : { ratedEnergy }),
      });
    }
  }
  return {
    devices,
    groups: groupIds.map((mRID, i) => ({
      mRID,
      name: `Feeder ${i + 1}`,
      effectiveFrom: 0,
      members: members.get(mRID)!,
    })),
  };
}

const HOUR_MS = 3_600_000;
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

function hourOfDay(ts: number): number {
  return (ts % (24 * HOUR_MS)) / HOUR_MS;
}

/** Clear-sky fraction of the nameplate at this time of day (UTC stands in for solar time). */
function daylight(hour: number): number {
  return Math.max(0, Math.sin((Math.PI * (hour - 6)) / 12));
}

/** Clouds drift over the fleet: slow sines, shifted per device so neighbours differ a little. */
function cloudCover(ts: number, character: number): number {
  const t = ts / 600_000 + character * 3;
  const cover =
    0.5 + 0.25 * Math.sin(t) + 0.15 * Math.sin(2.7 * t + 1) + 0.1 * Math.sin(7.3 * t + character * 10);
  return Math.min(1, Math.max(0, cover));
}

/**
 * How full a battery gets on the day of `ts`, 0.6..1: a home battery charges from the PV
 * surplus, so sunnier days fill it more. Fixed per day and device (a hash, not a PRNG
 * stream), so any instant can be computed on its own.
 */
function dailyFill(ts: number, character: number): number {
  const day = Math.floor(ts / (24 * HOUR_MS));
  const x = Math.sin(day * 12.9898 + character * 78.233) * 43758.5453;
  return 0.6 + 0.4 * (x - Math.floor(x));
}

/**
 * Battery state of charge over the day: 20 % at dawn, charged by `fill` × 75 points from
 * about 10:00 to 15:00 (start shifted ±30 min per device), held, drained back to 20 % from
 * 17:00 to 22:00.
 */
function batterySoc(hour: number, fill: number, shift: number): number {
  const peak = 20 + 75 * fill;
  const charge = hour - (10 + shift);
  if (charge < 0) return hour < 17 ? 20 : batterySocEvening(hour, peak);
  if (charge < 5) return 20 + (charge / 5) * (peak - 20);
  return hour < 17 ? peak : batterySocEvening(hour, peak);
}

function batterySocEvening(hour: number, peak: number): number {
  if (hour < 22) return peak - ((hour - 17) / 5) * (peak - 20);
  return 20;
}

/** What a device measures at `ts`: a valid reading in the sense of SEMANTICS.md §1. */
export function readingAt(device: SimDevice, ts: number): TelemetryReading {
  const hour = hourOfDay(ts);
  const voltage = round(
    230 + 6 * Math.sin(ts / 900_000 + device.character * 6) + (device.character - 0.5) * 4,
    1,
  );
  switch (device.kind) {
    case 'pv': {
      const available = device.ratedPower * daylight(hour) * (1 - 0.75 * cloudCover(ts, device.character));
      return measured(device, ts, voltage, {
        activePower: round(available, 1),
        reactivePower: round(-0.1 * available, 1),
        stateOfCharge: null,
        maxActivePower: round(available, 1),
        minActivePower: 0,
      });
    }
    case 'battery': {
      const fill = dailyFill(ts, device.character);
      const shift = device.character - 0.5;
      const soc = batterySoc(hour, fill, shift);
      const charging = hour >= 10 + shift && hour < 15 + shift;
      const discharging = hour >= 17 && hour < 22;
      // Energy over 5 hours: fill × 75 % of the capacity in, the same out in the evening.
      const power = charging
        ? -((0.75 * fill * device.ratedEnergy!) / 5)
        : discharging
          ? (0.75 * fill * device.ratedEnergy!) / 5
          : 0;
      return measured(device, ts, voltage, {
        activePower: round(power, 1),
        reactivePower: 0,
        stateOfCharge: round(soc, 2),
        maxActivePower: soc > 5 ? device.ratedPower : 0,
        minActivePower: soc < 100 ? -device.ratedPower : 0,
      });
    }
    case 'ev': {
      const pluggedIn = hour >= 17 + device.character * 3 || hour < 6;
      const charging = pluggedIn && (hour >= 17 || hour < 1 + device.character * 4);
      return measured(device, ts, voltage, {
        activePower: charging ? -device.ratedPower : 0,
        reactivePower: null,
        stateOfCharge: null,
        maxActivePower: 0,
        minActivePower: pluggedIn ? -device.ratedPower : 0,
      });
    }
    case 'load': {
      const demand = 300 + 900 * Math.max(0, Math.sin((Math.PI * (hour - 5)) / 18)) + 400 * device.character;
      return measured(device, ts, voltage, {
        activePower: round(-demand, 1),
        reactivePower: round(-0.2 * demand, 1),
        stateOfCharge: null,
        maxActivePower: null,
        minActivePower: null,
      });
    }
  }
}

/**
 * A reading with every field set in the same order, so that all readings share one
 * object shape: a spread per reading made the simulator, not the pipeline, the limit of
 * the soak's rate.
 */
function measured(
  device: SimDevice,
  ts: number,
  voltage: number,
  values: Pick<
    TelemetryReading,
    'activePower' | 'reactivePower' | 'stateOfCharge' | 'maxActivePower' | 'minActivePower'
  >,
): TelemetryReading {
  return {
    deviceId: device.id,
    ts,
    voltage,
    connected: true,
    activePower: values.activePower,
    reactivePower: values.reactivePower,
    stateOfCharge: values.stateOfCharge,
    maxActivePower: values.maxActivePower,
    minActivePower: values.minActivePower,
  };
}

export interface EmissionOptions {
  /** First instant simulated, epoch ms. */
  start: number;
  /** End of the simulated span (exclusive), epoch ms. */
  end: number;
  seed?: number;
  /** Largest delay between measuring and sending, ms; readings arrive a little out of order. */
  jitterMs?: number;
  /** Share of reports lost in transit. */
  dropout?: number;
  /** Share of readings that a gateway holds back for `lateDelayMs` before sending. */
  lateShare?: number;
  lateDelayMs?: number;
  /** Share of readings sent again (at-least-once gateways). */
  duplicateShare?: number;
}

/**
 * The fleet's readings in the order they reach derstream: each device measures on its
 * schedule, and a reading arrives after its jitter (or much later, when held back).
 * Yields `[arrival, reading]`, arrival ascending.
 *
 * A paced consumer takes each reading at its arrival, so no step between two readings
 * may take long: the readings measured in second s + 1 are made a slice at a time
 * between the readings that arrive in second s (they cannot arrive before s + 1).
 * Making a second's readings at once held a 94 k-readings/s fleet up for 130 ms at the
 * top of every second, and with it every window's closing reading.
 */
export function* fleetReadings(
  fleet: Fleet,
  options: EmissionOptions,
): Generator<[number, TelemetryReading]> {
  const random = seededRandom(options.seed ?? 2);
  const jitter = options.jitterMs ?? 2000;
  // Whole milliseconds, as every arrival must be: arrivals are bucketed by millisecond.
  const lateDelay = Math.round(options.lateDelayMs ?? 5 * 60_000);
  // Arrivals to come, by their (whole) millisecond, each in the order made: that is the
  // arrival order with no sort. Held-back readings wait in the same buckets.
  const pending = new Map<number, [number, TelemetryReading][]>();
  const schedule = (arrival: number, reading: TelemetryReading) => {
    let bucket = pending.get(arrival);
    if (!bucket) pending.set(arrival, (bucket = []));
    bucket.push([arrival, reading]);
  };
  // Intervals are whole seconds, so the devices measuring in second s of an interval
  // are exactly those whose phase falls in that second: bucket them once.
  const slots = new Map<number, SimDevice[][]>();
  for (const device of fleet.devices) {
    let bySecond = slots.get(device.intervalMs);
    if (!bySecond)
      slots.set(device.intervalMs, (bySecond = Array.from({ length: device.intervalMs / 1000 }, () => [])));
    bySecond[Math.floor(device.phaseMs / 1000)]!.push(device);
  }
  const measuringIn = (second: number): SimDevice[][] => {
    const from = second * 1000;
    if (from >= options.end) return [];
    return [...slots].map(([interval, bySecond]) => bySecond[(from % interval) / 1000]!);
  };
  /**
   * Makes the readings of the next `devices` devices measuring in `second` (`lists`,
   * those of {@link measuringIn}), a call at a time until all are made. Not a generator
   * resumed per device: that was a seventh of the simulator's time.
   */
  const measuring = (second: number, lists = measuringIn(second)): ((devices: number) => void) => {
    const from = second * 1000;
    let list = 0;
    let index = 0;
    return (devices) => {
      for (let made = 0; made < devices; made++) {
        while (list < lists.length && index === lists[list]!.length) {
          list++;
          index = 0;
        }
        if (list === lists.length) return;
        const device = lists[list]![index++]!;
        const ts = from + (device.phaseMs % 1000);
        if (ts >= options.start && ts < options.end && !(random() < (options.dropout ?? 0))) {
          const reading = readingAt(device, ts);
          const held = random() < (options.lateShare ?? 0);
          const arrival = ts + Math.floor(random() * jitter) + (held ? lateDelay : 0);
          schedule(arrival, reading);
          if (random() < (options.duplicateShare ?? 0))
            schedule(arrival + Math.floor(random() * jitter), reading);
        }
      }
    };
  };
  const firstSecond = Math.floor(options.start / 1000);
  const lastSecond = Math.ceil((options.end + lateDelay + jitter) / 1000);
  measuring(firstSecond)(Infinity);
  for (let second = firstSecond; second <= lastSecond; second++) {
    const next = measuringIn(second + 1);
    const ahead = measuring(second + 1, next);
    const toMake = next.reduce((sum, devices) => sum + devices.length, 0);
    const from = second * 1000;
    let due = 0;
    for (let ms = from; ms < from + 1000; ms++) due += pending.get(ms)?.length ?? 0;
    const stepsAReading = Math.ceil(toMake / Math.max(1, due));
    for (let ms = from; ms < from + 1000; ms++) {
      const bucket = pending.get(ms);
      if (!bucket) continue;
      pending.delete(ms);
      for (const item of bucket) {
        yield item;
        ahead(stepsAReading);
      }
    }
    ahead(Infinity);
  }
}
