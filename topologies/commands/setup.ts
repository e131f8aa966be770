import { openClickhouse } from '../../pipelines/io/clickhouse/clickhouseExecutor';
import { migrate } from '../../pipelines/io/clickhouse/migrations';
import { connectAdmin, createKafka } from '../../pipelines/io/kafka/kafkaClient';
import { ensureTopics } from '../../pipelines/io/kafka/topicSetup';
import { connectRegistry, registerAvroSchema } from '../../pipelines/io/registry/schemaRegistry';
import {
  batchSubject,
  TELEMETRY_SCHEMA_VERSIONS,
  telemetryBatchSchema,
  telemetrySchema,
  valueSubject,
} from '../../pipelines/io/registry/telemetrySchemas';
import { DerstreamConfig } from '../config';

/**
 * `derstream setup`: the declared topics, the telemetry schemas in the registry and
 * the ClickHouse migrations. Idempotent: a second run reports everything as present.
 */
export async function setup(config: DerstreamConfig, log: (line: string) => void): Promise<void> {
  const admin = await connectAdmin(createKafka(config.kafka), config.kafka);
  try {
    const topics = await ensureTopics(admin, Object.values(config.topics));
    log(
      `topics: created ${topics.created.length} (${topics.created.join(', ') || 'none'}), ${topics.existing.length} present`,
    );
  } finally {
    await admin.disconnect();
  }

  const registry = await connectRegistry(config.registry);
  const subject = valueSubject(config.topics.telemetry.name);
  for (const version of TELEMETRY_SCHEMA_VERSIONS) {
    const id = await registerAvroSchema(registry, subject, telemetrySchema(version));
    log(`schema: ${subject} TelemetryReading v${version} has id ${id}`);
  }
  const gateways = batchSubject(config.topics.telemetry.name);
  const batchId = await registerAvroSchema(registry, gateways, telemetryBatchSchema());
  log(`schema: ${gateways} TelemetryBatch v1 has id ${batchId}`);

  const clickhouse = await openClickhouse(config.clickhouse);
  try {
    const applied = await migrate(clickhouse);
    log(
      `clickhouse: ${clickhouse.description}, applied ${applied.length} migration(s)${applied.length ? ` (${applied.join(', ')})` : ''}`,
    );
  } finally {
    await clickhouse.close();
  }
}
