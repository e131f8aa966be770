import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { SchemaRejectedError, ServiceUnavailableError, messageOf } from '../../errors';
import { RegistryConfig } from './registryConfig';

/** The registry client, after checking that a Confluent-compatible API answers at the URL. */
export async function connectRegistry(config: RegistryConfig): Promise<SchemaRegistry> {
  const base = config.url.toString().replace(/\/$/, '');
  const headers: Record<string, string> = {};
  if (config.username !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${config.username}:${config.password ?? ''}`).toString('base64')}`;
  }
  let response: Response;
  try {
    response = await fetch(`${base}/subjects`, { headers, signal: AbortSignal.timeout(5000) });
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
