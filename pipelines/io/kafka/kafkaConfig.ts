import { Env, hostPortListSetting, stringSetting } from '../../config/settings';

/**
 * How derstream reaches Kafka.
 *
 * | setting | default | meaning |
 * |---|---|---|
 * | `DERSTREAM_KAFKA_BROKERS` | `127.0.0.1:9092` | bootstrap servers, `host:port[,host:port…]` |
 * | `DERSTREAM_KAFKA_CLIENT_ID` | `derstream` | client id the brokers see in their logs and quotas |
 */
export interface KafkaConfig {
  brokers: string[];
  clientId: string;
}

export function parseKafkaConfig(env: Env): KafkaConfig {
  return {
    brokers: hostPortListSetting(env, 'DERSTREAM_KAFKA_BROKERS', '127.0.0.1:9092'),
    clientId: stringSetting(env, 'DERSTREAM_KAFKA_CLIENT_ID', 'derstream'),
  };
}
