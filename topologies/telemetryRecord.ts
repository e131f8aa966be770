import { Batch, IHeaders, KafkaMessage } from 'kafkajs';
import { DecodedMessage, readingJson } from '../pipelines/decode/decodedMessage';
import { DerstreamError } from '../pipelines/errors';
import { HEADERS, SourcePosition } from '../pipelines/io/kafka/outputRecords';
import { TelemetryDecoder } from '../pipelines/io/registry/telemetryDecoder';
import { RetryOptions, retryUntilDone } from '../pipelines/io/retryUntilDone';

/** A telemetry record's message, or why it has none. */
export type DecodedTelemetry = DecodedMessage | { kind: 'rejected'; reason: string; detail: string };

/**
 * One telemetry record's bytes decoded, or why not (the reason codes of the live path).
 * A registry that does not answer is waited for: leaving the batch halfway would drop
 * what the engine has already taken in from it.
 */
export async function decodeTelemetry(
  value: Buffer | null,
  decoder: TelemetryDecoder,
  maxMessageBytes: number,
  retry: RetryOptions,
): Promise<DecodedTelemetry> {
  const known = decodeKnownTelemetry(value, decoder, maxMessageBytes);
  if (known) return known;
  try {
    return await retryUntilDone('fetching a writer schema', () => decoder.decode(value!), retry);
  } catch (error) {
    return rejectedFor(error);
  }
}

/**
 * {@link decodeTelemetry} at once, when nothing is to be fetched from the registry (every
 * record but the first of each schema id); undefined when it is. A record decoded
 * without a promise per record is most of the cost of single-reading records saved.
 */
export function decodeKnownTelemetry(
  value: Buffer | null,
  decoder: TelemetryDecoder,
  maxMessageBytes: number,
): DecodedTelemetry | undefined {
  if (value === null) return { kind: 'rejected', reason: 'UNDECODABLE', detail: 'record has no value' };
  if (value.length > maxMessageBytes)
    return {
      kind: 'rejected',
      reason: 'OVERSIZED',
      detail: `${value.length} bytes, limit ${maxMessageBytes}`,
    };
  try {
    return decoder.decodeKnown(value);
  } catch (error) {
    return rejectedFor(error);
  }
}

/** A record that cannot be read is rejected with its error's code; anything else is the run's to handle. */
function rejectedFor(error: unknown): DecodedTelemetry {
  if (error instanceof DerstreamError && !error.retriable)
    return { kind: 'rejected', reason: error.code, detail: error.message };
  throw error;
}

/**
 * Where a record of `batch` came from, for its dead-letter or late record. Made only for
 * such a record, not for every one read.
 */
export function sourcePositionOf(batch: Batch, message: KafkaMessage): SourcePosition {
  return {
    topic: batch.topic,
    partition: batch.partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
  };
}

/**
 * Where reading `index` of a record came from, for its dead-letter or late record: a
 * reading of a gateway's batch goes alone (as JSON, its index in a header), a single
 * reading with the record's own bytes.
 */
export function readingOrigin(
  position: SourcePosition,
  message: DecodedMessage,
  index: number,
): [SourcePosition, IHeaders] {
  return message.kind === 'batch'
    ? [
        { ...position, value: Buffer.from(readingJson(message.readings[index])) },
        { [HEADERS.batchIndex]: String(index) },
      ]
    : [position, {}];
}
