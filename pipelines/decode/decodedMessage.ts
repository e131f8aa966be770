import { TelemetryReading } from '../telemetryReading';

/**
 * What one telemetry message decoded to: a single reading, or a gateway's batch of them,
 * each typed by its schema already and still to be checked against SEMANTICS.md §1
 * (`readingProblem`), each on its own: one bad reading of a batch does not spoil the
 * others. A single reading is index 0.
 */
export type DecodedMessage =
  | { kind: 'reading'; readings: readonly [TelemetryReading] }
  | { kind: 'batch'; gatewayId: string; readings: readonly TelemetryReading[] };

/** Why a message is refused whole, before any of its readings is read. */
export interface MessageRefusal {
  reason: 'BATCH_TOO_LARGE';
  detail: string;
}

/** A batch with more readings than `maxBatchReadings` is refused whole; undefined for any other message. */
export function messageRefusal(
  message: DecodedMessage,
  maxBatchReadings: number,
): MessageRefusal | undefined {
  if (message.kind === 'batch' && message.readings.length > maxBatchReadings)
    return {
      reason: 'BATCH_TOO_LARGE',
      detail: `batch of ${message.readings.length} readings from gateway ${message.gatewayId}, limit ${maxBatchReadings}`,
    };
  return undefined;
}

/**
 * A reading taken out of a batch, as JSON in its canonical field names, for the
 * dead-letter and late records: the batch's bytes would repeat once per bad reading.
 * Non-finite numbers, which JSON cannot hold, are written as strings ("NaN").
 */
export function readingJson(reading: unknown): string {
  return JSON.stringify(reading, (_key, value: unknown) =>
    typeof value === 'number' && !Number.isFinite(value) ? String(value) : value,
  );
}
