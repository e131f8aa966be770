import {
  durationSetting,
  Env,
  hostPortListSetting,
  integerSetting,
  stringSetting,
} from '../../config/settings';

/**
 * How derstream reaches Kafka.
 *
 * | setting | default | meaning |
 * |---|---|---|
 * | `DERSTREAM_KAFKA_BROKERS` | `127.0.0.1:9092` | bootstrap servers, `host:port[,host:port…]` |
 * | `DERSTREAM_KAFKA_CLIENT_ID` | `derstream` | client id the brokers see in their logs and quotas |
 * | `DERSTREAM_KAFKA_FETCH_BYTES` | `4194304` | the most the consumer fetches per partition at once: a batch, written and committed together |
 * | `DERSTREAM_KAFKA_SESSION_TIMEOUT` | `30s` | how long the group waits for a silent consumer before giving its partitions to the others (also how long a restart after a crash waits for the dead one); the broker allows 6s to 30m by default |
 */
export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  sessionTimeoutMs: number;
  fetchBytesPerPartition: number;
}

export function parseKafkaConfig(env: Env): KafkaConfig {
  return {
    brokers: hostPortListSetting(env, 'DERSTREAM_KAFKA_BROKERS', '127.0.0.1:9092'),
    clientId: stringSetting(env, 'DERSTREAM_KAFKA_CLIENT_ID', 'derstream'),
    sessionTimeoutMs: durationSetting(env, 'DERSTREAM_KAFKA_SESSION_TIMEOUT', 30_000, 6_000),
    fetchBytesPerPartition: integerSetting(env, 'DERSTREAM_KAFKA_FETCH_BYTES', 4 << 20, 1024, 256 << 20),
  };
}
