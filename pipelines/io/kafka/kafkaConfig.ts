import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import {
  durationSetting,
  Env,
  hostPortListSetting,
  integerSetting,
  optionalStringSetting,
  stringSetting,
} from '../../config/settings';
import { ConfigError, messageOf } from '../../errors';

/**
 * How derstream reaches Kafka.
 *
 * | setting | default | meaning |
 * |---|---|---|
 * | `DERSTREAM_KAFKA_BROKERS` | `127.0.0.1:9092` | bootstrap servers, `host:port[,host:port…]` |
 * | `DERSTREAM_KAFKA_CLIENT_ID` | `derstream` | client id the brokers see in their logs and quotas |
 * | `DERSTREAM_KAFKA_FETCH_BYTES` | `1048576` | the most the consumer fetches per partition at once: a batch, written and committed with the others of its fetch |
 * | `DERSTREAM_KAFKA_FETCH_MAX_BYTES` | `2097152` | the most one fetch brings for all its partitions together (Kafka's `fetch.max.bytes`): every record of a fetch stays in memory until the last of its batches is written |
 * | `DERSTREAM_KAFKA_FETCH_MIN_BYTES` | `1` | what a fetch waits to have, up to 500 ms, before it answers (Kafka's `fetch.min.bytes`): more makes fewer and fuller fetches at a steady rate, and may hold a reading up to 500 ms when less comes in that time |
 * | `DERSTREAM_KAFKA_SESSION_TIMEOUT` | `30s` | how long the group waits for a silent consumer before giving its partitions to the others (also how long a restart after a crash waits for the dead one); the broker allows 6s to 30m by default |
 * | `DERSTREAM_KAFKA_SECURITY_PROTOCOL` | `PLAINTEXT` | `PLAINTEXT`, `SSL` (TLS), `SASL_SSL` (TLS and a user) or `SASL_PLAINTEXT` (a user, no TLS), as the broker's listener |
 * | `DERSTREAM_KAFKA_SASL_MECHANISM` | `scram-sha-512` | with `SASL_*`: `scram-sha-512`, `scram-sha-256` or `plain` |
 * | `DERSTREAM_KAFKA_USERNAME` | (none) | with `SASL_*`, required: the SASL user |
 * | `DERSTREAM_KAFKA_PASSWORD` | (none) | with `SASL_*`, required: its password; environment only, never logged nor part of an error |
 * | `DERSTREAM_KAFKA_SSL_CA` | (none: the system's CAs) | with `SSL`/`SASL_SSL`: a PEM file of the CA(s) that signed the brokers' certificates (the local stack's is `.stack/local/kafka/secure/ca.pem`) |
 *
 * Settings that do not fit together (a user without `SASL_*`, `SASL_*` without a user
 * or password, a CA without TLS) stop start-up with a {@link ConfigError}.
 */
export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  sessionTimeoutMs: number;
  fetchBytesPerPartition: number;
  /**
   * The most one fetch brings, all partitions together. A fetch's records live until its
   * last batch is written, long enough for V8 to move them to its old generation, where
   * only a full collection frees them: the smaller the fetch, the less of that garbage
   * between collections (`benchmarks/RESULTS.md`, "Smaller fetches").
   */
  fetchMaxBytes: number;
  /**
   * What a fetch waits to have before the broker answers, up to the fetch's wait. At 1 a
   * pipeline keeping up with a steady rate fetches as soon as anything arrives: many
   * small fetches, each with its own cost. At 256 KiB, a pipeline keeping up with 81 k
   * readings/s took a fifth to a third less of its thread's CPU a reading
   * (`benchmarks/RESULTS.md`, "Fuller fetches"); but a slow trickle then waits the whole
   * fetch wait, so 1 stays the default.
   */
  fetchMinBytes: number;
  /** PLAINTEXT when absent. */
  securityProtocol?: KafkaSecurityProtocol;
  /** Present for SSL and SASL_SSL. */
  tls?: { caFile?: string; ca?: string };
  /** Present for SASL_SSL and SASL_PLAINTEXT. */
  sasl?: { mechanism: KafkaSaslMechanism; username: string; password: Secret };
}

export const KAFKA_SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_SSL', 'SASL_PLAINTEXT'] as const;
export type KafkaSecurityProtocol = (typeof KAFKA_SECURITY_PROTOCOLS)[number];
export const KAFKA_SASL_MECHANISMS = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

const REDACTED = '[redacted]';

/**
 * A password that does not show itself: printing, logging, `JSON.stringify` or
 * `util.inspect` of a config holding it give `[redacted]`; only {@link reveal} gives
 * the value, for the client library that sends it.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}

export function parseKafkaConfig(env: Env): KafkaConfig {
  const config: KafkaConfig = {
    brokers: hostPortListSetting(env, 'DERSTREAM_KAFKA_BROKERS', '127.0.0.1:9092'),
    clientId: stringSetting(env, 'DERSTREAM_KAFKA_CLIENT_ID', 'derstream'),
    sessionTimeoutMs: durationSetting(env, 'DERSTREAM_KAFKA_SESSION_TIMEOUT', 30_000, 6_000),
    fetchBytesPerPartition: integerSetting(env, 'DERSTREAM_KAFKA_FETCH_BYTES', 1 << 20, 1024, 256 << 20),
    fetchMaxBytes: integerSetting(env, 'DERSTREAM_KAFKA_FETCH_MAX_BYTES', 2 << 20, 1024, 256 << 20),
    fetchMinBytes: integerSetting(env, 'DERSTREAM_KAFKA_FETCH_MIN_BYTES', 1, 1, 256 << 20),
  };
  if (config.fetchMinBytes > config.fetchMaxBytes)
    throw new ConfigError(
      'DERSTREAM_KAFKA_FETCH_MIN_BYTES',
      `${config.fetchMinBytes} is more than a fetch may bring (DERSTREAM_KAFKA_FETCH_MAX_BYTES, ${config.fetchMaxBytes}): every fetch would wait its whole wait`,
    );
  const protocol = securityProtocol(env);
  const usesSasl = protocol === 'SASL_SSL' || protocol === 'SASL_PLAINTEXT';
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const username = optionalStringSetting(env, 'DERSTREAM_KAFKA_USERNAME');
  // The password is taken as given (spaces included); only empty counts as unset.
  const password = env.DERSTREAM_KAFKA_PASSWORD ? env.DERSTREAM_KAFKA_PASSWORD : undefined;
  const mechanismText = optionalStringSetting(env, 'DERSTREAM_KAFKA_SASL_MECHANISM');
  const caFile = optionalStringSetting(env, 'DERSTREAM_KAFKA_SSL_CA');

  if (!usesSasl) {
    for (const [name, value] of [
      ['DERSTREAM_KAFKA_USERNAME', username],
      ['DERSTREAM_KAFKA_PASSWORD', password],
      ['DERSTREAM_KAFKA_SASL_MECHANISM', mechanismText],
    ] as const) {
      if (value !== undefined) {
        throw new ConfigError(
          name,
          `is set but DERSTREAM_KAFKA_SECURITY_PROTOCOL is ${protocol}, which sends no user: set it to SASL_SSL (or SASL_PLAINTEXT), or unset ${name}`,
        );
      }
    }
  }
  if (!usesTls && caFile !== undefined) {
    throw new ConfigError(
      'DERSTREAM_KAFKA_SSL_CA',
      `is set but DERSTREAM_KAFKA_SECURITY_PROTOCOL is ${protocol}, which uses no TLS: set it to SSL or SASL_SSL, or unset DERSTREAM_KAFKA_SSL_CA`,
    );
  }
  if (protocol !== 'PLAINTEXT') config.securityProtocol = protocol;
  if (usesTls) config.tls = caFile === undefined ? {} : { caFile, ca: readCa(caFile) };
  if (usesSasl) {
    if (username === undefined) {
      throw new ConfigError(
        'DERSTREAM_KAFKA_USERNAME',
        `must be set with DERSTREAM_KAFKA_SECURITY_PROTOCOL=${protocol}`,
      );
    }
    if (password === undefined) {
      throw new ConfigError(
        'DERSTREAM_KAFKA_PASSWORD',
        `must be set with DERSTREAM_KAFKA_SECURITY_PROTOCOL=${protocol}`,
      );
    }
    config.sasl = { mechanism: saslMechanism(mechanismText), username, password: new Secret(password) };
  }
  return config;
}

function securityProtocol(env: Env): KafkaSecurityProtocol {
  const text = stringSetting(env, 'DERSTREAM_KAFKA_SECURITY_PROTOCOL', 'PLAINTEXT');
  const found = KAFKA_SECURITY_PROTOCOLS.find((protocol) => protocol === text.toUpperCase());
  if (found === undefined) {
    throw new ConfigError(
      'DERSTREAM_KAFKA_SECURITY_PROTOCOL',
      `"${text}" must be one of ${KAFKA_SECURITY_PROTOCOLS.join(', ')}`,
    );
  }
  return found;
}

function saslMechanism(text: string | undefined): KafkaSaslMechanism {
  if (text === undefined) return 'scram-sha-512';
  const found = KAFKA_SASL_MECHANISMS.find((mechanism) => mechanism === text.toLowerCase());
  if (found === undefined) {
    throw new ConfigError(
      'DERSTREAM_KAFKA_SASL_MECHANISM',
      `"${text}" must be one of ${KAFKA_SASL_MECHANISMS.join(', ')}`,
    );
  }
  return found;
}

function readCa(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new ConfigError(
      'DERSTREAM_KAFKA_SSL_CA',
      `cannot read ${path} (${typeof code === 'string' ? code : messageOf(error)})`,
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError(
      'DERSTREAM_KAFKA_SSL_CA',
      `${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    );
  }
  return pem;
}
