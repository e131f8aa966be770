import { Admin, Kafka, logLevel } from 'kafkajs';
import { ServiceUnavailableError, messageOf } from '../../errors';
import { KafkaConfig } from './kafkaConfig';

/**
 * A kafkajs client for the configured brokers. kafkajs's own logger is quiet
 * (errors only) because derstream reports connection trouble itself, once, in words
 * that name the setting.
 */
export function createKafka(config: KafkaConfig, options: { retries?: number } = {}): Kafka {
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    connectionTimeout: 3000,
    logLevel: logLevel.NOTHING,
    retry: { retries: options.retries ?? 5, initialRetryTime: 300 },
  });
}

/** Connects an admin client, turning "no broker answers" into one clear error. */
export async function connectAdmin(kafka: Kafka, config: KafkaConfig): Promise<Admin> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return admin;
  } catch (error) {
    await admin.disconnect().catch(() => undefined);
    throw brokerUnavailable(config, error);
  }
}

function brokerUnavailable(config: KafkaConfig, error: unknown): ServiceUnavailableError {
  return new ServiceUnavailableError(
    'kafka',
    'DERSTREAM_KAFKA_BROKERS',
    `no Kafka broker answers at ${config.brokers.join(',')}: ${messageOf(error)}`,
    { cause: error },
  );
}
