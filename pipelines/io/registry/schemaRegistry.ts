import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { Middleware } from 'mappersmith';
import { SchemaRejectedError, ServiceUnavailableError, messageOf } from '../../errors';
import { RegistryConfig, registryAuthHeaders } from './registryConfig';

/**
 * How long a registry request may go unanswered, the connection check's and the
 * client's. The client sets no limit of its own, so a registry that accepts a request
 * and never answers it held the batch waiting for a writer schema, silently, and a stop
 * with it; failing, the request is retried and logged like any other outage, and a stop
 * ends the wait.
 */
const REQUEST_TIMEOUT_MS = 5000;

/** The registry client, after checking that a Confluent-compatible API answers at the URL. */
export async function connectRegistry(config: RegistryConfig): Promise<SchemaRegistry> {
  const base = config.url.toString().replace(/\/$/, '');
  const headers = registryAuthHeaders(config);
  let response: Response;
  try {
    response = await fetch(`${base}/subjects`, { headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    throw new ServiceUnavailableError(
      'schema-registry',
      'DERSTREAM_REGISTRY_URL',
      `no schema registry answers at ${base}: ${messageOf(error instanceof Error && error.cause ? error.cause : error)}`,
      { cause: error },
    );
  }
  if (response.status === 401 || response.status === 403) {
    throw new ServiceUnavailableError(
      'schema-registry',
      'DERSTREAM_REGISTRY_USERNAME',
      `the schema registry at ${base} refused our credentials (HTTP ${response.status})`,
    );
  }
  if (!response.ok || !Array.isArray(await response.json().catch(() => undefined))) {
    throw new ServiceUnavailableError(
      'schema-registry',
      'DERSTREAM_REGISTRY_URL',
      `${base}/subjects did not answer as a Confluent-compatible registry (HTTP ${response.status}); for Apicurio the URL ends in /apis/ccompat/v7`,
    );
  }
  return new SchemaRegistry({
    host: base,
    auth:
      config.username !== undefined
        ? { username: config.username, password: config.password ?? '' }
        : undefined,
    retry: { retries: 2 },
    middlewares: [answerWithin(REQUEST_TIMEOUT_MS)],
  });
}

/** A mappersmith middleware giving each request a timeout. */
function answerWithin(ms: number): Middleware {
  return () => ({
    async prepareRequest(next) {
      const request = await next();
      return request.timeout() ? request : request.enhance({ timeout: ms });
    },
  });
}

/**
 * Registers an Avro schema under a subject with BACKWARD compatibility (consumers on
 * the new schema read what producers on the old one wrote) and returns its id. The
 * registry returns the existing id for a schema it already has, so this is idempotent.
 */
export async function registerAvroSchema(
  registry: SchemaRegistry,
  subject: string,
  schema: object,
): Promise<number> {
  try {
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject, compatibility: COMPATIBILITY.BACKWARD },
    );
    return id;
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 409 || status === 422) {
      throw new SchemaRejectedError(subject, registryReason(error), { cause: error });
    }
    throw error;
  }
}

/** The registry's own words, without the client library's prefix. */
function registryReason(error: unknown): string {
  return messageOf(error)
    .replace(/^Confluent_Schema_Registry - /, '')
    .replace(/^io\.apicurio\.registry\.rules\.violation\.RuleViolationException: /, '');
}
