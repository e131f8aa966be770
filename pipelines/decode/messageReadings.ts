import { validateReading, Validation, ValidationOptions } from './validateReading';

/** What one telemetry message decoded to: a single reading, or a gateway's batch of them. */
export type DecodedMessage =
  { kind: 'reading'; reading: unknown } | { kind: 'batch'; gatewayId: string; readings: readonly unknown[] };

export interface MessageOptions extends ValidationOptions {
  /** A batch with more readings than this is refused whole (BATCH_TOO_LARGE). */
  maxBatchReadings: number;
}

/**
 * The message's readings, each validated on its own (SEMANTICS.md §1), at their index
 * in the message (a single reading is index 0): one bad reading of a batch does not
 * spoil the others. A batch over the limit is refused whole, before any of it is read.
 */
export type MessageReadings =
  { accepted: true; readings: Validation[] } | { accepted: false; reason: 'BATCH_TOO_LARGE'; detail: string };

export function messageReadings(message: DecodedMessage, options: MessageOptions): MessageReadings {
  if (message.kind === 'reading')
    return { accepted: true, readings: [validateReading(message.reading, options)] };
  if (message.readings.length > options.maxBatchReadings) {
    return {
      accepted: false,
      reason: 'BATCH_TOO_LARGE',
      detail: `batch of ${message.readings.length} readings from gateway ${message.gatewayId}, limit ${options.maxBatchReadings}`,
    };
  }
  return { accepted: true, readings: message.readings.map((reading) => validateReading(reading, options)) };
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
