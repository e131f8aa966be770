import { Type } from 'avsc';
import { ConfigError } from '../../pipelines/errors';
import { durationSetting } from '../../pipelines/config/settings';
import { connectAdmin, createKafka } from '../../pipelines/io/kafka/kafkaClient';
import { connectRegistry, registerAvroSchema } from '../../pipelines/io/registry/schemaRegistry';
import {
  batchSubject,
  TelemetrySchemaVersion,
  telemetryBatchSchema,
  telemetrySchema,
  valueSubject,
} from '../../pipelines/io/registry/telemetrySchemas';
import {
  createFleet,
  DEVICE_KINDS,
  DeviceKind,
  fleetReadings,
  seededRandom,
} from '../../benchmarks/simulator/fleet';
import { writeGroupsFile, writeReadingsFile } from '../../benchmarks/simulator/fleetFiles';
import { produceReadings, publishFleetGroups } from '../../benchmarks/simulator/fleetProducer';
import { gatewayBatching } from '../../benchmarks/simulator/gatewayBatches';
import { DerstreamConfig } from '../config';

export interface SimulateOptions {
  devices: number;
  groups: number;
  seed: number;
  /** Readings per second over the fleet; sets every device's reporting interval. */
  rate?: number;
  /** How much time to simulate, ms; live mode runs until stopped without it. */
  durationMs?: number;
  /** NDJSON file of readings; without it, readings go to Kafka in real time. */
  out?: string;
  /** Where to write the membership JSON (SEMANTICS.md §2). */
  groupsOut?: string;
  /**
   * First simulated instant, epoch ms. For Kafka, giving it means a backfill: the span
   * from it is produced as fast as Kafka takes it instead of in real time.
   */
  start?: number;
  invalidShare: number;
  lateShare: number;
  duplicateShare: number;
  schemaVersion: TelemetrySchemaVersion;
  /** Device kinds to simulate (default all). */
  kinds?: DeviceKind[];
  /** To Kafka: readings per message; above 1, devices report through gateways in `TelemetryBatch` records. */
  batch: number;
}

export function parseSimulateOptions(values: Record<string, string | undefined>): SimulateOptions {
  const positive = (name: string, fallback: number) => {
    const text = values[name];
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0)
      throw new ConfigError(`--${name}`, `"${text}" must be a positive number`);
    return value;
  };
  const share = (name: string, fallback: number) => {
    const value = values[name] === undefined ? fallback : Number(values[name]);
    if (!(value >= 0 && value <= 1))
      throw new ConfigError(`--${name}`, `"${values[name]}" must be a share from 0 to 1`);
    return value;
  };
  const duration =
    values.duration === undefined
      ? undefined
      : durationSetting({ '--duration': values.duration }, '--duration', 0);
  const start = values.start === undefined ? undefined : Date.parse(values.start);
  if (start !== undefined && !Number.isFinite(start))
    throw new ConfigError('--start', `"${values.start}" is not an ISO date-time`);
  // Bad lines are a file's; to Kafka the simulator sends what its encoder can encode.
  if (values.invalid !== undefined && values.out === undefined)
    throw new ConfigError('--invalid', 'applies to a file (--out) only; nothing invalid is sent to Kafka');
  const schemaVersion = Number(values['schema-version'] ?? 1);
  if (schemaVersion !== 1 && schemaVersion !== 2) throw new ConfigError('--schema-version', 'must be 1 or 2');
  const kinds = values.kinds?.split(',').map((kind) => kind.trim());
  const unknown = kinds?.find((kind) => !DEVICE_KINDS.includes(kind as DeviceKind));
  if (unknown !== undefined || kinds?.length === 0)
    throw new ConfigError('--kinds', `"${values.kinds}" must list kinds from ${DEVICE_KINDS.join(', ')}`);
  return {
    kinds: kinds as DeviceKind[] | undefined,
    devices: Math.round(positive('devices', 1000)),
    groups: Math.round(positive('groups', 50)),
    seed: Math.round(positive('seed', 1)),
    rate: values.rate === undefined ? undefined : positive('rate', 1),
    durationMs: duration,
    out: values.out,
    groupsOut: values['groups-out'],
    start,
    invalidShare: share('invalid', values.out ? 0.001 : 0),
    lateShare: share('late', 0.001),
    duplicateShare: share('duplicates', 0.001),
    schemaVersion,
    batch: Math.round(positive('batch', 1)),
  };
}

/** `derstream simulate`: a fleet's readings to a file, or to Kafka as they happen. */
export async function simulate(
  config: DerstreamConfig,
  options: SimulateOptions,
  log: (line: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const fleet = createFleet({
    devices: options.devices,
    groups: options.groups,
    seed: options.seed,
    intervalMs: options.rate ? (options.devices / options.rate) * 1000 : undefined,
    kinds: options.kinds,
  });
  if (options.groupsOut) {
    await writeGroupsFile(options.groupsOut, fleet);
    log(`groups: ${fleet.groups.length} written to ${options.groupsOut}`);
  }
  const emission = {
    seed: options.seed + 1,
    lateShare: options.lateShare,
    duplicateShare: options.duplicateShare,
    dropout: 0.01,
  };

  if (options.out) {
    const start = options.start ?? Date.UTC(2026, 5, 1);
    const end = start + (options.durationMs ?? 3_600_000);
    const lines = await writeReadingsFile(options.out, fleetReadings(fleet, { ...emission, start, end }), {
      invalidShare: options.invalidShare,
      random: seededRandom(options.seed + 2),
    });
    log(`readings: ${lines} lines written to ${options.out}`);
    return;
  }

  const kafka = createKafka(config.kafka);
  await (await connectAdmin(kafka, config.kafka)).disconnect();
  const registry = await connectRegistry(config.registry);
  // Batches hold TelemetryReading v2 whatever --schema-version says.
  const batched = options.batch > 1;
  const schema = batched ? telemetryBatchSchema() : telemetrySchema(options.schemaVersion);
  const subject = (batched ? batchSubject : valueSubject)(config.topics.telemetry.name);
  const schemaId = await registerAvroSchema(registry, subject, schema);
  await publishFleetGroups(kafka, config.topics.groups.name, fleet);
  const backfill = options.start !== undefined;
  const start = options.start ?? Date.now();
  if (backfill && options.durationMs === undefined)
    throw new ConfigError('--duration', 'is required with --start');
  const end = options.durationMs === undefined ? Number.MAX_SAFE_INTEGER : start + options.durationMs;
  log(
    `simulating ${fleet.devices.length} devices in ${fleet.groups.length} groups into ${config.topics.telemetry.name} ` +
      `(schema id ${schemaId}${batched ? `, batches of up to ${options.batch} readings` : ''})${backfill ? ', backfill as fast as possible' : options.durationMs === undefined ? ' until stopped' : ''}`,
  );
  let last = { at: Date.now(), sent: 0 };
  const sent = await produceReadings(kafka, fleetReadings(fleet, { ...emission, start, end }), {
    topic: config.topics.telemetry.name,
    schemaId,
    type: Type.forSchema(schema as never),
    paced: !backfill,
    gateways: batched
      ? gatewayBatching(
          fleet.devices.reduce((sum, device) => sum + 1000 / device.intervalMs, 0),
          options.batch,
        )
      : undefined,
    signal,
    onProgress: (total) => {
      const now = Date.now();
      if (now - last.at < 5000) return;
      log(`produced ${total} readings (${Math.round(((total - last.sent) * 1000) / (now - last.at))}/s)`);
      last = { at: now, sent: total };
    },
  });
  log(`produced ${sent} readings in total`);
}
