import { Type } from 'avsc';
import { createFleet, EmissionOptions, Fleet, fleetReadings } from '../simulator/fleet';
import { produceReadings, publishFleetGroups } from '../simulator/fleetProducer';
import { GatewayBatching, gatewayBatching } from '../simulator/gatewayBatches';
import { connectRegistry, registerAvroSchema } from '../../pipelines/io/registry/schemaRegistry';
import {
  batchSubject,
  telemetryBatchSchema,
  telemetrySchema,
  valueSubject,
} from '../../pipelines/io/registry/telemetrySchemas';
import { BenchEnvironment } from './benchEnvironment';
import { progressBar } from './progressBar';
import { topicsReady } from './topicsReady';

export interface FleetSpec {
  devices: number;
  groups: number;
  /** About how many readings to produce: the simulated span is as many whole windows as it takes. */
  readings: number;
  seed: number;
  windowMs: number;
  /** Every device reports this often (ms); unset: each kind's usual mix (10 s to 5 min). */
  intervalMs?: number;
  /** Readings per message: 1 (unset) sends TelemetryReading records, more sends gateways' TelemetryBatch records. */
  batch?: number;
}

/** What went onto the run's topics. */
export interface ProducedFleet {
  devices: number;
  groups: number;
  /** Device-group memberships (a device is in 1 to 3 groups). */
  memberships: number;
  /** Readings on the telemetry topic. */
  readings: number;
  /** Records on the telemetry topic: the readings, or the gateway batches holding them. */
  messages: number;
  /** The gateways that sent batches (none: single readings). */
  gateways?: GatewayBatching;
  /** The simulated span [start, end), epoch ms, aligned to the window. */
  start: number;
  end: number;
  windows: number;
  /** The writer schema of the records: TelemetryReading v1, or TelemetryBatch v1 when batched. */
  schemaId: number;
  type: Type;
  batched: boolean;
  produceMs: number;
  produceRate: number;
}

/** The simulator's emission in `derstream simulate`: a little loss, lateness and duplication. */
export const EMISSION: Omit<EmissionOptions, 'start' | 'end'> = {
  dropout: 0.01,
  lateShare: 0.001,
  duplicateShare: 0.001,
};

/**
 * Creates the run's topics, registers the telemetry schema, publishes the fleet's
 * groups and produces its readings as fast as Kafka takes them (the simulator, not
 * paced), a span ending 10 minutes ago so that no reading is in the future.
 */
export async function produceFleet(
  bench: BenchEnvironment,
  spec: FleetSpec,
  options: {
    quiet?: boolean;
    now?: number;
    /**
     * Places a boundary of intervals this long two windows after the span's start (the
     * span ending up to one interval earlier): the forecaster then holds its state for
     * every group through the rest of the run, as it does in any run longer than an
     * interval.
     */
    crossIntervalMs?: number;
  } = {},
): Promise<ProducedFleet> {
  const { config } = bench;
  await topicsReady(bench.admin, Object.values(config.topics));
  const fleet = createFleet({
    devices: spec.devices,
    groups: spec.groups,
    seed: spec.seed,
    intervalMs: spec.intervalMs,
  });
  const batched = (spec.batch ?? 1) > 1;
  const schemaId = await publishSchemaAndGroups(bench, fleet, batched);
  const type = Type.forSchema((batched ? telemetryBatchSchema() : telemetrySchema(1)) as never);

  const perWindow = readingsPerWindow(fleet, spec.windowMs);
  const gateways = batched ? gatewayBatching((perWindow * 1000) / spec.windowMs, spec.batch!) : undefined;
  const windows = Math.max(1, Math.ceil(spec.readings / perWindow));
  const latestEnd = Math.floor((options.now ?? Date.now()) / spec.windowMs) * spec.windowMs - 10 * 60_000;
  const interval = options.crossIntervalMs;
  const start = interval
    ? Math.floor((latestEnd - (windows - 2) * spec.windowMs) / interval) * interval - 2 * spec.windowMs
    : latestEnd - windows * spec.windowMs;
  const end = start + windows * spec.windowMs;
  const bar = progressBar('produce', Math.round(windows * perWindow), {
    quiet: options.quiet,
    unit: 'readings',
  });
  const startedAt = performance.now();
  let messages = 0;
  const readings = await produceReadings(
    bench.kafka,
    fleetReadings(fleet, { ...EMISSION, seed: spec.seed + 1, start, end }),
    {
      topic: config.topics.telemetry.name,
      schemaId,
      type,
      paced: false,
      batchSize: 5000,
      gateways,
      onProgress: (sent, records) => {
        messages = records;
        bar.update(sent);
      },
    },
  );
  const produceMs = performance.now() - startedAt;
  bar.finish(readings);
  return {
    devices: fleet.devices.length,
    groups: fleet.groups.length,
    memberships: fleet.devices.reduce((sum, d) => sum + d.groups.length, 0),
    readings,
    messages,
    ...(gateways ? { gateways } : {}),
    start,
    end,
    windows,
    schemaId,
    type,
    batched,
    produceMs: Math.round(produceMs),
    produceRate: Math.round((readings * 1000) / produceMs),
  };
}

/**
 * Registers the telemetry schema the run writes under the run's subject (the v1 reading,
 * or the batch under its own subject) and puts every group on the groups topic.
 */
export async function publishSchemaAndGroups(
  bench: BenchEnvironment,
  fleet: Fleet,
  batched = false,
): Promise<number> {
  const { config } = bench;
  const registry = await connectRegistry(config.registry);
  const topic = config.topics.telemetry.name;
  const schemaId = batched
    ? await registerAvroSchema(registry, batchSubject(topic), telemetryBatchSchema())
    : await registerAvroSchema(registry, valueSubject(topic), telemetrySchema(1));
  await publishFleetGroups(bench.kafka, config.topics.groups.name, fleet);
  return schemaId;
}

/** Readings the simulator sends per window, on average: one per interval, less the dropout, plus duplicates. */
export function readingsPerWindow(fleet: Fleet, windowMs: number): number {
  const perMs = fleet.devices.reduce((sum, device) => sum + 1 / device.intervalMs, 0);
  return perMs * windowMs * (1 - (EMISSION.dropout ?? 0)) * (1 + (EMISSION.duplicateShare ?? 0));
}
