import { createRequire } from 'node:module';

/**
 * kafkajs's own protocol code, which its public API does not export: the record batch
 * encoder that a producer uses and the decoder that reads a fetch response. Typed here
 * for what the patch's test (test/ops/kafkajsPatch.test.ts) and recordDecodeCost.ts use
 * of them, so both run the same code as the consumer and the producer do, patched
 * (ops/patches) or not.
 */
export const kafkajsRequire = createRequire(require.resolve('kafkajs'));

/** kafkajs's 64-bit integer (a BigInt inside an object). */
export interface Long {
  toString(): string;
}
export const Long = kafkajsRequire('./src/utils/long') as { fromString(value: string): Long };

export interface KafkajsEncoder {
  writeVarInt(value: number): KafkajsEncoder;
  writeBuffer(value: Buffer): KafkajsEncoder;
  writeVarLong(value: Long | number): KafkajsEncoder;
  buffer: Buffer;
}
export const Encoder = kafkajsRequire('./src/protocol/encoder') as {
  new (initialSize?: number): KafkajsEncoder;
  sizeOfVarInt(value: number): number;
  sizeOfVarLong(value: Long | number): number;
};

export const Decoder = kafkajsRequire('./src/protocol/decoder') as new (buffer: Buffer) => {
  readVarLongAsNumber(): number | Long;
  readVarLong(): Long;
  readString(): string | null;
  readInt16(): number;
  readInt32(): number;
  readVarInt(): number;
  offset: number;
};

/** A record as a fetch hands it to the consumer. */
export interface DecodedRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}

/** A record batch's bytes, as a produce request carries them and a fetch response returns them. */
export const encodeRecordBatch = (
  kafkajsRequire('./src/protocol/recordBatch/v0') as {
    RecordBatch: (batch: {
      compression?: number;
      firstOffset: Long;
      firstTimestamp: Long;
      maxTimestamp: Long;
      lastOffsetDelta: number;
      records: unknown[];
    }) => Promise<{ buffer: Buffer }>;
  }
).RecordBatch;

/** One record's bytes, for {@link encodeRecordBatch}. */
export const encodeRecord = kafkajsRequire('./src/protocol/recordBatch/record/v0') as (record: {
  offsetDelta: number;
  timestampDelta: Long | number;
  key: Buffer;
  value: Buffer;
  headers?: Record<string, string>;
}) => KafkajsEncoder;

/** A record batch read from a decoder over its bytes, as the consumer reads a fetch response. */
export const decodeRecordBatch = kafkajsRequire('./src/protocol/recordBatch/v0/decoder') as (
  decoder: unknown,
) => Promise<{ records: DecodedRecord[] }>;
