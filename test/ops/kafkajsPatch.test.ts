import { createRequire } from 'node:module';

/**
 * ops/patches/kafkajs+2.2.4.patch: kafkajs works out each record's offset and time stamp
 * in numbers where they are exact, instead of in its BigInt-based Long. These tests
 * encode record batches with kafkajs's own encoder, decode them with its (patched)
 * decoder, and check every offset and time stamp against BigInt arithmetic, including
 * values beyond 2^53 and deltas too long for the patch's fast path, where it must fall
 * back to Long.
 */
const kafkajsRequire = createRequire(require.resolve('kafkajs'));

interface DecodedRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}
interface Long {
  toString(): string;
}
const Long = kafkajsRequire('./src/utils/long') as { fromString(value: string): Long };
const Encoder = kafkajsRequire('./src/protocol/encoder') as new () => {
  writeVarLong(value: Long): { buffer: Buffer };
};
const Decoder = kafkajsRequire('./src/protocol/decoder') as new (buffer: Buffer) => {
  readVarLongAsNumber(): number | Long;
  readVarLong(): Long;
  offset: number;
};
const { RecordBatch } = kafkajsRequire('./src/protocol/recordBatch/v0') as {
  RecordBatch: (batch: {
    compression?: number;
    firstOffset: Long;
    firstTimestamp: Long;
    maxTimestamp: Long;
    lastOffsetDelta: number;
    records: unknown[];
  }) => Promise<{ buffer: Buffer }>;
};
const Record = kafkajsRequire('./src/protocol/recordBatch/record/v0') as (record: {
  offsetDelta: number;
  timestampDelta: Long;
  key: Buffer;
  value: Buffer;
  headers?: Record<string, string>;
}) => unknown;
const decodeRecordBatch = kafkajsRequire('./src/protocol/recordBatch/v0/decoder') as (
  decoder: unknown,
) => Promise<{
  records: DecodedRecord[];
}>;
const Batch = kafkajsRequire('./src/consumer/batch') as new (
  topic: string,
  fetchedOffset: string,
  partitionData: {
    partition: number;
    highWatermark: string;
    messages: unknown[];
    abortedTransactions: unknown[];
  },
) => { messages: { offset: string }[] };
const GZIP = 1;

async function roundTrip(
  firstOffset: bigint,
  firstTimestamp: bigint,
  records: { offsetDelta: number; timestampDelta: bigint }[],
  compression = 0,
): Promise<DecodedRecord[]> {
  const encoded = await RecordBatch({
    compression,
    firstOffset: Long.fromString(String(firstOffset)),
    firstTimestamp: Long.fromString(String(firstTimestamp)),
    maxTimestamp: Long.fromString(String(firstTimestamp)),
    lastOffsetDelta: records.at(-1)!.offsetDelta,
    records: records.map(({ offsetDelta, timestampDelta }, index) =>
      Record({
        offsetDelta,
        timestampDelta: Long.fromString(String(timestampDelta)),
        key: Buffer.from(`device-${index}`),
        value: Buffer.from([index]),
        headers: index === 0 ? { origin: 'test' } : {},
      }),
    ),
  });
  return (await decodeRecordBatch(new Decoder(encoded.buffer))).records;
}

const expected = (
  firstOffset: bigint,
  firstTimestamp: bigint,
  records: { offsetDelta: number; timestampDelta: bigint }[],
) =>
  records.map(({ offsetDelta, timestampDelta }) => ({
    offset: String(firstOffset + BigInt(offsetDelta)),
    timestamp: String(firstTimestamp + timestampDelta),
  }));

describe('kafkajs as patched (ops/patches)', () => {
  const deltas = [
    { offsetDelta: 0, timestampDelta: 0n },
    { offsetDelta: 1, timestampDelta: 7n },
    { offsetDelta: 2, timestampDelta: -5n },
    { offsetDelta: 3, timestampDelta: 86_400_000n },
    { offsetDelta: 4, timestampDelta: -(2n ** 40n) },
    // 8 bytes and more as a varlong: past the fast path, decoded through Long.
    { offsetDelta: 5, timestampDelta: 2n ** 50n + 3n },
    { offsetDelta: 6, timestampDelta: -(2n ** 62n) },
  ];

  it.each([
    ['a young partition, a time stamp of today', 0n, 1_765_000_000_000n],
    ['offsets crossing 2^53', 2n ** 53n - 3n, 1_765_000_000_000n],
    ['offsets far beyond 2^53', 2n ** 62n, 1_765_000_000_000n],
    ['a time stamp of -1 (none)', 41n, -1n],
    ['a time stamp beyond 2^53', 7n, 2n ** 60n],
  ])('decodes every offset and time stamp exactly: %s', async (_, firstOffset, firstTimestamp) => {
    for (const compression of [0, GZIP]) {
      const records = await roundTrip(firstOffset, firstTimestamp, deltas, compression);
      expect(records.map(({ offset, timestamp }) => ({ offset, timestamp }))).toEqual(
        expected(firstOffset, firstTimestamp, deltas),
      );
      expect(records.map((r) => r.key!.toString())).toEqual(deltas.map((_d, index) => `device-${index}`));
      expect(records[0]!.headers.origin!.toString()).toBe('test');
    }
  });

  it('reads a varlong as a number up to 7 bytes, as readVarLong does, and longer ones as a Long', () => {
    for (const value of [
      0n,
      1n,
      -1n,
      63n,
      -64n,
      64n,
      2n ** 47n - 1n,
      -(2n ** 47n),
      2n ** 48n - 1n,
      -(2n ** 48n),
      2n ** 48n,
      2n ** 63n - 1n,
      -(2n ** 63n),
    ]) {
      const bytes = new Encoder().writeVarLong(Long.fromString(String(value))).buffer;
      const patched = new Decoder(bytes);
      const read = patched.readVarLongAsNumber();
      expect(String(read)).toBe(String(value));
      expect(String(read)).toBe(new Decoder(bytes).readVarLong().toString());
      expect(typeof read).toBe(bytes.length <= 7 ? 'number' : 'object');
      expect(patched.offset).toBe(bytes.length);
    }
  });

  it('keeps only the records at or after the fetched offset, beyond 2^53 too', () => {
    const record = (offset: string) => ({ offset, isControlRecord: false });
    const kept = (fetched: string, offsets: string[]) =>
      new Batch('t', fetched, {
        partition: 0,
        highWatermark: '0',
        messages: offsets.map(record),
        abortedTransactions: [],
      }).messages.map((m) => m.offset);
    expect(kept('5', ['3', '4', '5', '6'])).toEqual(['5', '6']);
    expect(kept('9007199254740993', ['9007199254740992', '9007199254740993', '9007199254740994'])).toEqual([
      '9007199254740993',
      '9007199254740994',
    ]);
    expect(kept('9007199254740991', ['9007199254740990', '9007199254740991', '9007199254740992'])).toEqual([
      '9007199254740991',
      '9007199254740992',
    ]);
  });
});
