import { canonicalReading, NULLABLE_FIELDS, ReadingFields, TelemetryReading } from '../telemetryReading';

/**
 * Why a reading is invalid (SEMANTICS.md §1). These codes are what dead-letter records,
 * their Kafka header and the metrics carry.
 */
export type InvalidReason =
  | 'UNDECODABLE'
  | 'MISSING_FIELD'
  | 'WRONG_TYPE'
  | 'NOT_FINITE'
  | 'STATE_OF_CHARGE_OUT_OF_RANGE'
  | 'MIN_ABOVE_MAX'
  | 'FUTURE_TIMESTAMP';

export type Invalid = { valid: false; reason: InvalidReason; detail: string };

export type Validation = { valid: true; reading: TelemetryReading } | Invalid;

export interface ValidationOptions {
  /** Wall-clock now (ms); live mode passes it, replay does not (no future check). */
  now?: number;
  /** How far ahead of `now` a reading's `ts` may be (default 5 minutes). */
  futureToleranceMs?: number;
}

const REQUIRED = ['deviceId', 'ts', 'activePower', 'connected'] as const;

const NUMBER_FIELDS = ['activePower', ...NULLABLE_FIELDS] as const;

const invalid = (reason: InvalidReason, detail: string): Invalid => ({ valid: false, reason, detail });

/**
 * Checks a decoded value against SEMANTICS.md §1 and returns the canonical reading
 * (only the known fields, absent nullable fields as null), or the first reason it is
 * invalid: its shape and field types first, then {@link readingProblem}. Pure: the clock
 * comes in through `options.now`.
 */
export function validateReading(value: unknown, options: ValidationOptions = {}): Validation {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid('WRONG_TYPE', 'a reading must be an object');
  }
  const input = value as Record<string, unknown>;
  for (const field of REQUIRED) {
    if (input[field] === undefined || input[field] === null)
      return invalid('MISSING_FIELD', `${field} is required`);
  }
  if (typeof input.deviceId !== 'string') return invalid('WRONG_TYPE', 'deviceId must be a non-empty string');
  if (typeof input.ts !== 'number') return invalid('WRONG_TYPE', 'ts must be an integer (epoch ms)');
  if (typeof input.connected !== 'boolean') return invalid('WRONG_TYPE', 'connected must be a boolean');
  for (const field of NUMBER_FIELDS) {
    const v = input[field];
    if (v !== undefined && v !== null && typeof v !== 'number')
      return invalid('WRONG_TYPE', `${field} must be a number`);
  }
  // The checks above gave every field its type.
  const reading = canonicalReading(input as ReadingFields);
  return readingProblem(reading, options) ?? { valid: true, reading };
}

/**
 * The first reason a reading whose fields have the right types already is invalid
 * (SEMANTICS.md §1), or undefined: an empty device id, a `ts` that is not a whole
 * number of ms, a number that is not finite (in field order), a state of charge
 * outside 0..100, a minimum above the maximum, a `ts` too far ahead of `options.now`.
 * What an Avro record is checked with, in place: its schema gave every field its type,
 * and a valid one costs no copy and no allocation.
 */
export function readingProblem(
  reading: TelemetryReading,
  options: ValidationOptions = {},
): Invalid | undefined {
  const { ts } = reading;
  if (reading.deviceId === '') return invalid('WRONG_TYPE', 'deviceId must be a non-empty string');
  if (!Number.isSafeInteger(ts))
    return invalid(Number.isFinite(ts) ? 'WRONG_TYPE' : 'NOT_FINITE', 'ts must be an integer (epoch ms)');
  for (const field of NUMBER_FIELDS) {
    const v = reading[field];
    if (v !== null && !Number.isFinite(v)) return invalid('NOT_FINITE', `${field} is ${v}`);
  }
  const { stateOfCharge: soc, maxActivePower: max, minActivePower: min } = reading;
  if (soc !== null && (soc < 0 || soc > 100)) {
    return invalid('STATE_OF_CHARGE_OUT_OF_RANGE', `stateOfCharge ${soc} is outside 0..100`);
  }
  if (max !== null && min !== null && min > max) {
    return invalid('MIN_ABOVE_MAX', `minActivePower ${min} is above maxActivePower ${max}`);
  }
  if (options.now !== undefined && ts > options.now + (options.futureToleranceMs ?? 300_000)) {
    return invalid('FUTURE_TIMESTAMP', `ts ${ts} is ${ts - options.now} ms ahead of the clock`);
  }
  return undefined;
}

/** One NDJSON line: parsed, then validated; a line that is not JSON is UNDECODABLE. */
export function validateReadingLine(line: string, options: ValidationOptions = {}): Validation {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return invalid('UNDECODABLE', `not JSON: ${(error as Error).message}`);
  }
  return validateReading(value, options);
}
