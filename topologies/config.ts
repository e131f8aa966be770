import { Env } from '../pipelines/config/settings';
import { ClickhouseConfig, parseClickhouseConfig } from '../pipelines/io/clickhouse/clickhouseConfig';
import { KafkaConfig, parseKafkaConfig } from '../pipelines/io/kafka/kafkaConfig';
import { RegistryConfig, parseRegistryConfig } from '../pipelines/io/registry/registryConfig';

/**
 * derstream's whole configuration, read from the environment once at start-up and
 * validated before anything connects: a bad value stops the process with one line
 * naming the setting. Each adapter documents its own settings beside its code.
 */
export interface DerstreamConfig {
  kafka: KafkaConfig;
  registry: RegistryConfig;
  clickhouse: ClickhouseConfig;
}

export function loadConfig(env: Env = process.env): DerstreamConfig {
  return {
    kafka: parseKafkaConfig(env),
    registry: parseRegistryConfig(env),
    clickhouse: parseClickhouseConfig(env),
  };
}
