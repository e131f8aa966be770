import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { DecodedMessage } from '../../decode/decodedMessage';
import { TelemetryReading } from '../../telemetryReading';
import { AvroDecoder } from './avroDecoder';
import { TELEMETRY_BATCH_NAME, TELEMETRY_READING_NAME, telemetryReaderSchema } from './telemetrySchemas';

/** What the reader schema gives: the union's branch by its name, each field of the type its schema says. */
type Branches = {
  [TELEMETRY_READING_NAME]?: TelemetryReading;
  [TELEMETRY_BATCH_NAME]?: { gatewayId: string; readings: TelemetryReading[] };
};

/**
 * Decodes a `der.telemetry` record, single reading or gateway batch, whichever the
 * writer schema (found by the record's schema id) is: both resolve against one reader,
 * the union of TelemetryReading v2 and TelemetryBatch v1, so a writer that is a
 * reading (v1 or v2), a batch, or a union of the two is read alike. Errors as
 * {@link AvroDecoder}'s: a batch that does not decode is undecodable as a whole.
 */
export class TelemetryDecoder {
  private readonly avro: AvroDecoder<Branches>;

  constructor(registry: SchemaRegistry) {
    this.avro = new AvroDecoder<Branches>(registry, telemetryReaderSchema());
  }

  /** The record decoded at once when its writer schema is known; undefined when {@link decode} must fetch it. */
  decodeKnown(buffer: Buffer): DecodedMessage | undefined {
    const decoded = this.avro.decodeKnown(buffer);
    return decoded && messageOf(decoded);
  }

  async decode(buffer: Buffer): Promise<DecodedMessage> {
    return messageOf(await this.avro.decode(buffer));
  }
}

function messageOf(decoded: Branches): DecodedMessage {
  const batch = decoded[TELEMETRY_BATCH_NAME];
  if (batch !== undefined) return { kind: 'batch', gatewayId: batch.gatewayId, readings: batch.readings };
  return { kind: 'reading', readings: [decoded[TELEMETRY_READING_NAME]!] };
}
