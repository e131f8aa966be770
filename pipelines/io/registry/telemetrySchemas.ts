import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The telemetry reading's Avro schemas, by version. The registry subject follows
 * Confluent's TopicNameStrategy: `<topic>-value`.
 */
const AVRO_DIR = resolve(__dirname, '../../../schemas/avro');

export const TELEMETRY_SCHEMA_VERSIONS = [1, 2] as const;
export type TelemetrySchemaVersion = (typeof TELEMETRY_SCHEMA_VERSIONS)[number];

export function telemetrySchema(version: TelemetrySchemaVersion): object {
  return JSON.parse(readFileSync(`${AVRO_DIR}/TelemetryReading.v${version}.avsc`, 'utf8')) as object;
}

export function valueSubject(topic: string): string {
  return `${topic}-value`;
}
