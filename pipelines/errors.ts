/**
 * Every error derstream raises on purpose is a {@link DerstreamError}: it carries a
 * stable `code` (what dead-letter records, metrics and users see) and, like kafkajs's
 * errors, a `retriable` flag that the retry logic reads instead of guessing from the
 * message.
 */
export class DerstreamError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A configuration value is missing or wrong; `setting` names it as the user sets it. */
export class ConfigError extends DerstreamError {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super('CONFIG_INVALID', `${setting}: ${message}`, false);
  }
}

/**
 * A service (Kafka, the schema registry, ClickHouse) cannot be reached or refused us.
 * Retriable: a broker restart or a slow start-up passes.
 */
export class ServiceUnavailableError extends DerstreamError {
  constructor(
    readonly service: 'kafka' | 'schema-registry' | 'clickhouse',
    readonly setting: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('SERVICE_UNAVAILABLE', `${service} (${setting}): ${message}`, true, options);
  }
}

/** The schema registry refused a schema: incompatible with the subject's history, or invalid. */
export class SchemaRejectedError extends DerstreamError {
  constructor(
    readonly subject: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(
      'SCHEMA_REJECTED',
      `schema registry refused the schema for subject ${subject}: ${message}`,
      false,
      options,
    );
  }
}

/**
 * ClickHouse refused a statement. Not retriable when the statement itself is at fault
 * (a bug, a migration out of step); retriable when ClickHouse only could not run it
 * now (memory, too many parts, a lost connection): see `clickhouseFailure`.
 */
export class ClickhouseQueryError extends DerstreamError {
  constructor(message: string, options?: { cause?: unknown; retriable?: boolean }) {
    super('CLICKHOUSE_QUERY_FAILED', message, options?.retriable ?? false, options);
  }
}

/** The message of an unknown thrown value, for errors that wrap it. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
