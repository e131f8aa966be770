import { Admin, Kafka, KafkaConfig as KafkajsConfig, logLevel, SASLOptions } from 'kafkajs';
import { DerstreamError, ServiceUnavailableError, messageOf } from '../../errors';
import { KafkaConfig } from './kafkaConfig';

/**
 * How long a fetch waits for records (kafkajs's `maxWaitTimeInMs`) in every long-running
 * consumer. kafkajs's default, 5 s, is also how long a stop waits on an idle consumer
 * (its disconnect lets the fetch in flight finish: an idle `run` took 6 s to stop, 5 of
 * them on the membership follower), and how long a resumed partition may wait. A
 * fetch returns as soon as there are records, so waiting less costs only more requests
 * while idle.
 */
export const FETCH_WAIT_MS = 500;

/**
 * A kafkajs client for the configured brokers, with TLS and SASL as configured
 * (`DERSTREAM_KAFKA_SECURITY_PROTOCOL`). kafkajs's own logger is quiet (errors only)
 * because derstream reports connection trouble itself, once, in words that name the
 * setting.
 */
export function createKafka(config: KafkaConfig, options: { retries?: number } = {}): Kafka {
  const settings: KafkajsConfig = {
    clientId: config.clientId,
    brokers: config.brokers,
    connectionTimeout: 3000,
    logLevel: logLevel.NOTHING,
    retry: { retries: options.retries ?? 5, initialRetryTime: 300 },
  };
  if (config.tls !== undefined) settings.ssl = config.tls.ca === undefined ? true : { ca: [config.tls.ca] };
  if (config.sasl !== undefined) settings.sasl = saslOptions(config.sasl);
  return new Kafka(settings);
}

function saslOptions(sasl: NonNullable<KafkaConfig['sasl']>): SASLOptions {
  const credentials = { username: sasl.username, password: sasl.password.reveal() };
  switch (sasl.mechanism) {
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', ...credentials };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', ...credentials };
    case 'plain':
      return { mechanism: 'plain', ...credentials };
  }
}

/**
 * The broker refused us for who we are, not because it is away: wrong or missing
 * credentials, a certificate we do not trust, TLS against a plaintext listener.
 * Not retriable: only a change of settings helps, and `setting` names which.
 */
export class KafkaSecurityError extends DerstreamError {
  constructor(
    readonly setting: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('KAFKA_SECURITY_REFUSED', `kafka (${setting}): ${message}`, false, options);
  }
}

/** Connects an admin client, turning "no broker answers" or "refused" into one clear error. */
export async function connectAdmin(kafka: Kafka, config: KafkaConfig): Promise<Admin> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return admin;
  } catch (error) {
    await admin.disconnect().catch(() => undefined);
    throw kafkaConnectionError(config, error);
  }
}

/** Node's codes for a server certificate that TLS did not accept. */
const UNTRUSTED_CERTIFICATE = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * What a failed connection means, as a derstream error naming the setting to look at.
 * Never includes the password: SCRAM does not send it and kafkajs does not repeat it,
 * and any text that would carry it is redacted all the same.
 */
export function kafkaConnectionError(config: KafkaConfig, error: unknown): DerstreamError {
  const where = config.brokers.join(',');
  const chain = causes(error);
  const detail = redact(config, messageOf(chain.at(-1) ?? error));
  const protocol = config.securityProtocol ?? 'PLAINTEXT';

  if (chain.some((e) => e.name === 'KafkaJSSASLAuthenticationError')) {
    const sasl = config.sasl;
    return new KafkaSecurityError(
      'DERSTREAM_KAFKA_USERNAME/DERSTREAM_KAFKA_PASSWORD',
      `the broker at ${where} refused user ${sasl ? `"${sasl.username}" (${sasl.mechanism})` : '(none)'}: wrong user, password or mechanism (${detail})`,
      { cause: error },
    );
  }
  if (chain.some((e) => (e as { type?: unknown }).type === 'UNSUPPORTED_SASL_MECHANISM')) {
    return new KafkaSecurityError(
      'DERSTREAM_KAFKA_SASL_MECHANISM',
      `the broker at ${where} does not take the SASL mechanism ${config.sasl?.mechanism ?? '(none)'} (${detail})`,
      { cause: error },
    );
  }
  const code = chain
    .map((e) => (e as { code?: unknown }).code)
    .find((c) => typeof c === 'string' && UNTRUSTED_CERTIFICATE.has(c));
  if (code !== undefined) {
    return new KafkaSecurityError(
      'DERSTREAM_KAFKA_SSL_CA',
      `the TLS certificate of the broker at ${where} is not trusted (${detail}); ` +
        (config.tls?.caFile === undefined
          ? 'set DERSTREAM_KAFKA_SSL_CA to the PEM file of the CA that signed it'
          : `${config.tls.caFile} is not the CA that signed it, or the certificate does not name the host`),
      { cause: error },
    );
  }
  // A listener closes a connection that does not speak its protocol: TLS to a plaintext
  // listener, plaintext or no SASL to a SASL_SSL one. Retriable all the same: a broker
  // shutting down closes connections too.
  if (
    /closed connection|connection closed|socket disconnected|ECONNRESET|EPROTO|wrong version number/i.test(
      detail,
    )
  ) {
    return new ServiceUnavailableError(
      'kafka',
      'DERSTREAM_KAFKA_SECURITY_PROTOCOL',
      `the broker at ${where} closed the connection (${detail}): is ${protocol}${config.sasl ? ` with ${config.sasl.mechanism}` : ''} what its listener expects? ` +
        'A SASL_SSL listener closes connections without TLS or without a user, a plaintext one those that start TLS',
      { cause: error },
    );
  }
  return new ServiceUnavailableError(
    'kafka',
    'DERSTREAM_KAFKA_BROKERS',
    `no Kafka broker answers at ${where}: ${detail}`,
    {
      cause: error,
    },
  );
}

/** The error and what caused it, outermost first (kafkajs wraps retries). */
function causes(error: unknown): Error[] {
  const chain: Error[] = [];
  let current: unknown = error;
  while (current instanceof Error && !chain.includes(current) && chain.length < 10) {
    chain.push(current);
    current = current.cause ?? (current as { originalError?: unknown }).originalError;
  }
  return chain;
}

function redact(config: KafkaConfig, text: string): string {
  const password = config.sasl?.password.reveal();
  return password !== undefined && password.length >= 4 ? text.split(password).join('[redacted]') : text;
}
