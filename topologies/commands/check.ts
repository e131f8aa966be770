import { openClickhouse } from '../../pipelines/io/clickhouse/clickhouseExecutor';
import { connectAdmin, createKafka } from '../../pipelines/io/kafka/kafkaClient';
import { connectRegistry } from '../../pipelines/io/registry/schemaRegistry';
import { DerstreamConfig } from '../config';

/** `derstream check`: can we reach Kafka, the registry and ClickHouse? One line each. */
export async function check(config: DerstreamConfig, log: (line: string) => void): Promise<void> {
  const admin = await connectAdmin(createKafka(config.kafka, { retries: 1 }), config.kafka);
  const cluster = await admin.describeCluster();
  await admin.disconnect();
  log(`kafka: ${cluster.brokers.length} broker(s) at ${config.kafka.brokers.join(',')}`);

  await connectRegistry(config.registry);
  log(`schema registry: ${config.registry.url}`);

  const clickhouse = await openClickhouse(config.clickhouse);
  const [row] = await clickhouse.query<{ version: string }>('SELECT version() AS version');
  await clickhouse.close();
  log(`clickhouse: ${clickhouse.description}, version ${row?.version}`);
}
