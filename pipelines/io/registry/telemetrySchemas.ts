import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The telemetry Avro schemas: the single reading, by version, and the batch a gateway
 * sends. Both share `der.telemetry`; the schema id in each record says which it is.
 *
 * Subjects: single readings stay under Confluent's default TopicNameStrategy
 * (`<topic>-value`), so every existing producer goes on unchanged; batches are
 * registered under TopicRecordNameStrategy (`<topic>-<record full name>`), what a
 * Confluent producer writes with `value.subject.name.strategy` set to
 * `TopicRecordNameStrategy`. Putting both under `<topic>-value` as a union would not
 * pass BACKWARD for producers that still register the plain reading.
 */
const AVRO_DIR = resolve(__dirname, '../../../schemas/avro');

export const TELEMETRY_SCHEMA_VERSIONS = [1, 2] as const;
export type TelemetrySchemaVersion = (typeof TELEMETRY_SCHEMA_VERSIONS)[number];

export const TELEMETRY_READING_NAME = 'io.derstream.telemetry.TelemetryReading';
export const TELEMETRY_BATCH_NAME = 'io.derstream.telemetry.TelemetryBatch';

export function telemetrySchema(version: TelemetrySchemaVersion): object {
  return JSON.parse(readFileSync(`${AVRO_DIR}/TelemetryReading.v${version}.avsc`, 'utf8')) as object;
}

/** `TelemetryBatch` v1: a gateway's id and an array of TelemetryReading v2. */
export function telemetryBatchSchema(): object {
  return JSON.parse(readFileSync(`${AVRO_DIR}/TelemetryBatch.v1.avsc`, 'utf8')) as object;
}

/**
 * What the pipeline decodes every telemetry record into: the union of the newest
 * reading and the batch (whose items name the reading instead of repeating it, as a
 * schema may define a name once). A record written as either, or as a union of them,
 * resolves against it; the decoded value says which branch it took.
 */
export function telemetryReaderSchema(): object[] {
  const batch = telemetryBatchSchema() as { fields: { name: string; type: unknown }[] };
  return [
    telemetrySchema(2),
    {
      ...batch,
      fields: batch.fields.map((field) =>
        field.name === 'readings'
          ? { ...field, type: { type: 'array', items: TELEMETRY_READING_NAME } }
          : field,
      ),
    },
  ];
}

export function valueSubject(topic: string): string {
  return `${topic}-value`;
}

/** The batch's subject on `topic` (TopicRecordNameStrategy). */
export function batchSubject(topic: string): string {
  return `${topic}-${TELEMETRY_BATCH_NAME}`;
}
