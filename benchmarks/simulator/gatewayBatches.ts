import { TelemetryReading } from '../../pipelines/telemetryReading';

/** How a fleet reports through gateways (IEC TS 62746-3 energy managers, aggregators) in batches. */
export interface GatewayBatching {
  /** Most readings in one message. */
  readings: number;
  /** Gateways the devices report through; each device always through the same one. */
  gateways: number;
  /** A gateway sends what it holds once its oldest reading has waited this long, full or not (ms). */
  maxWaitMs: number;
}

/** One gateway message: the `TelemetryBatch` record's fields. */
export interface GatewayBatch {
  gatewayId: string;
  readings: TelemetryReading[];
}

/**
 * The gateway a device reports through: `gateway-NNNN`, from a hash of its mRID, so
 * the same device goes through the same gateway in every process and run.
 */
export function gatewayOf(deviceId: string, gateways: number): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < deviceId.length; i++) hash = Math.imul(hash ^ deviceId.charCodeAt(i), 0x01000193);
  return `gateway-${String((hash >>> 0) % gateways).padStart(4, '0')}`;
}

/**
 * Readings in arrival order (`[arrival, reading]`, as fleetReadings yields them) regrouped
 * as their gateways send them: a gateway collects its devices' readings and sends them
 * when it holds `readings` of them or when the oldest has waited `maxWaitMs`. Yields
 * `[when sent, batch]`, in sending order, times ascending; a device's readings keep
 * their order. The wait bounds how far behind a batch's first reading is when it is
 * sent, so with a wait under the out-of-orderness bound B the batches add no late data.
 */
export function* gatewayBatches(
  readings: Iterable<[number, TelemetryReading]>,
  batching: GatewayBatching,
): Generator<[number, GatewayBatch]> {
  // Open batches by gateway, and the same in the order their first reading arrived: a
  // queue whose head is the next to wait out its time, so a reading looks at one batch,
  // not at every open one. A batch sent full leaves the map at once and the queue when
  // it reaches the head.
  const open = new Map<string, Held>();
  const queue: Held[] = [];
  let head = 0;
  for (const [arrival, reading] of readings) {
    for (; head < queue.length; head++) {
      const held = queue[head]!;
      if (held.sent) continue;
      if (held.firstArrival + batching.maxWaitMs > arrival) break;
      held.sent = true;
      open.delete(held.batch.gatewayId);
      yield [held.firstArrival + batching.maxWaitMs, held.batch];
    }
    if (head > 4096 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    const gatewayId = gatewayOf(reading.deviceId, batching.gateways);
    let held = open.get(gatewayId);
    if (!held) {
      held = { firstArrival: arrival, batch: { gatewayId, readings: [] }, sent: false };
      open.set(gatewayId, held);
      queue.push(held);
    }
    held.batch.readings.push(reading);
    if (held.batch.readings.length >= batching.readings) {
      held.sent = true;
      open.delete(gatewayId);
      yield [arrival, held.batch];
    }
  }
  for (; head < queue.length; head++) {
    const held = queue[head]!;
    if (!held.sent) yield [held.firstArrival + batching.maxWaitMs, held.batch];
  }
}

interface Held {
  firstArrival: number;
  batch: GatewayBatch;
  sent: boolean;
}

/**
 * Gateways for a fleet sending `readingsPerSecond` in batches of `readings`: as many as
 * fill a batch in about half the wait, so most batches go out full (at least one).
 */
export function gatewayBatching(
  readingsPerSecond: number,
  readings: number,
  maxWaitMs = 1000,
): GatewayBatching {
  return {
    readings,
    maxWaitMs,
    gateways: Math.max(1, Math.floor((readingsPerSecond * maxWaitMs) / 2000 / readings)),
  };
}
