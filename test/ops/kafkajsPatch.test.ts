import {
  DecodedRecord,
  Decoder,
  Encoder,
  KafkajsEncoder,
  Long,
  decodeRecordBatch,
  encodeRecord,
  encodeRecordBatch,
  kafkajsRequire,
} from '../../benchmarks/kafka/kafkajsInternals';

/**
 * ops/patches/kafkajs+2.2.4.patch: kafkajs works out each record's offset and time stamp
 * in numbers where they are exact, instead of in its BigInt-based Long. These tests
 * encode record batches with kafkajs's own encoder, decode them with its (patched)
 * decoder, and check every offset and time stamp against BigInt arithmetic, including
 * values beyond 2^53 and deltas too long for the patch's fast path, where it must fall
 * back to Long; and each record read where it lies in the batch (bytes after its headers
 * skipped, a record that reads past its length refused). The producer side: a send's messages grouped by partition in one pass
 * (checked against grouping each message on its own), varints and varlongs written in
 * place (checked against LEB128 of the zigzag value worked out in BigInt), records
 * encoded into buffers that are not zero-filled (the same bytes whatever the buffers
 * held before), and murmur2 in 32-bit arithmetic (Kafka's own test vectors, and a
 * BigInt version of Java's code on random keys).
 */
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
const groupMessagesPerPartition = kafkajsRequire('./src/producer/groupMessagesPerPartition') as (args: {
  topic: string;
  partitionMetadata: { partitionId: number; leader: number }[];
  messages: { key?: string; value: string; partition?: number }[];
  partitioner: (args: {
    topic: string;
    partitionMetadata: unknown[];
    message: { key?: string; partition?: number };
  }) => number;
}) => Record<string, { value: string }[]>;
const { DefaultPartitioner } = kafkajsRequire('./src/producer/partitioners') as {
  DefaultPartitioner: () => (args: {
    topic: string;
    partitionMetadata: unknown[];
    message: unknown;
  }) => number;
};
const murmur2 = kafkajsRequire('./src/producer/partitioners/default/murmur2') as (
  key: Buffer | string,
) => number;
const produceRequest = kafkajsRequire('./src/protocol/requests/produce/v3/request') as (request: {
  acks: number;
  timeout: number;
  topicData: {
    topic: string;
    partitions: {
      partition: number;
      messages: { key: string; value: string; timestamp: number; headers?: Record<string, string> }[];
    }[];
  }[];
}) => { encode(): Promise<{ buffer: Buffer }> };
const GZIP = 1;

async function roundTrip(
  firstOffset: bigint,
  firstTimestamp: bigint,
  records: { offsetDelta: number; timestampDelta: bigint }[],
  compression = 0,
): Promise<DecodedRecord[]> {
  const encoded = await encodeRecordBatch({
    compression,
    firstOffset: Long.fromString(String(firstOffset)),
    firstTimestamp: Long.fromString(String(firstTimestamp)),
    maxTimestamp: Long.fromString(String(firstTimestamp)),
    lastOffsetDelta: records.at(-1)!.offsetDelta,
    records: records.map(({ offsetDelta, timestampDelta }, index) =>
      encodeRecord({
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

  it("reads each record where it lies in the batch's buffer: bytes after its headers skipped, a record reading past its length refused", async () => {
    /** Record `index` encoded, its declared length moved by `lengthBy` and `extra` bytes after its headers. */
    const record = (index: number, lengthBy = 0, extra = Buffer.alloc(0)) => {
      const encoded = encodeRecord({
        offsetDelta: index,
        timestampDelta: Long.fromString(String(index)),
        key: Buffer.from(`device-${index}`),
        value: Buffer.from(`value-${index}`),
        headers: index === 0 ? { origin: 'test', also: 'this' } : {},
      }).buffer;
      const lengthReader = new Decoder(encoded);
      const length = lengthReader.readVarInt();
      const body = encoded.subarray(lengthReader.offset);
      return new Encoder()
        .writeVarInt(length + extra.length + lengthBy)
        .writeBuffer(Buffer.concat([body, extra]));
    };
    const decode = async (records: KafkajsEncoder[], compression: number) => {
      const encoded = await encodeRecordBatch({
        compression,
        firstOffset: Long.fromString('1000'),
        firstTimestamp: Long.fromString('1765000000000'),
        maxTimestamp: Long.fromString('1765000000000'),
        lastOffsetDelta: records.length - 1,
        records,
      });
      return (await decodeRecordBatch(new Decoder(encoded.buffer))).records;
    };
    for (const compression of [0, GZIP]) {
      const records = await decode(
        [record(0), record(1, 0, Buffer.from([0xab, 0xcd, 0xef])), record(2)],
        compression,
      );
      expect(
        records.map((r) => [
          r.offset,
          r.timestamp,
          r.key!.toString(),
          r.value!.toString(),
          Object.keys(r.headers),
        ]),
      ).toEqual([
        ['1000', '1765000000000', 'device-0', 'value-0', ['origin', 'also']],
        ['1001', '1765000000001', 'device-1', 'value-1', []],
        ['1002', '1765000000002', 'device-2', 'value-2', []],
      ]);
      expect(records[0]!.headers.also!.toString()).toBe('this');
      await expect(decode([record(0), record(1, -1), record(2)], compression)).rejects.toThrow(
        'Record at offset 1001 reads past its length',
      );
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

  it("groups a send's messages by partition, each group in the order sent", () => {
    const partitionMetadata = Array.from({ length: 12 }, (_, partitionId) => ({ partitionId, leader: 1 }));
    const partitioner = DefaultPartitioner();
    // Keyed (the default partitioner hashes the key), given a partition, and one partition for many.
    const messages = [
      ...Array.from({ length: 500 }, (_, i) => ({ key: `device-${i % 97}`, value: `keyed ${i}` })),
      ...Array.from({ length: 300 }, (_, i) => ({
        key: `device-${i}`,
        value: `placed ${i}`,
        partition: i % 5,
      })),
      ...Array.from({ length: 2000 }, (_, i) => ({ value: `changelog ${i}`, partition: 7 })),
    ];
    const grouped = groupMessagesPerPartition({ topic: 't', partitionMetadata, messages, partitioner });
    const expectedGroups: Record<string, string[]> = {};
    for (const message of messages) {
      const partition = String(partitioner({ topic: 't', partitionMetadata, message }));
      (expectedGroups[partition] ??= []).push(message.value);
    }
    expect(
      Object.fromEntries(Object.entries(grouped).map(([p, group]) => [p, group.map((m) => m.value)])),
    ).toEqual(expectedGroups);
    expect(grouped['7']!.length).toBeGreaterThan(2000);
    expect(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages, partitioner })).toEqual(
      {},
    );
  });

  it('writes varints and varlongs as LEB128 of their zigzag value, numbers and Longs alike', () => {
    const int32s = [0, 1, -1, 63, -64, 64, 127, 128, -129, 8191, 8192, 2 ** 31 - 1, -(2 ** 31), 1_048_576];
    for (let i = 0; i < 2000; i++) int32s.push((Math.random() * 2 ** 32) | 0);
    for (const value of int32s) {
      const bytes = new Encoder().writeVarInt(value).buffer;
      expect(bytes).toEqual(leb128(BigInt(((value << 1) ^ (value >> 31)) >>> 0)));
      expect(Encoder.sizeOfVarInt(value)).toBe(bytes.length);
    }
    const int64s = [0n, 1n, -1n, 63n, -64n, 86_400_000n, -(2n ** 40n), 2n ** 52n - 1n, -(2n ** 52n - 1n)];
    // From 2^52 on through Long, as numbers when they are exact, and as Longs always.
    int64s.push(2n ** 52n, -(2n ** 52n), 2n ** 53n, 2n ** 62n, -(2n ** 63n), 2n ** 63n - 1n);
    for (let i = 0; i < 2000; i++)
      int64s.push(BigInt(Math.round((Math.random() - 0.5) * 2 ** (1 + (i % 53)))));
    for (const value of int64s) {
      const expected = leb128(value >= 0n ? 2n * value : -2n * value - 1n);
      const long = Long.fromString(String(value));
      expect(new Encoder().writeVarLong(long).buffer).toEqual(expected);
      expect(Encoder.sizeOfVarLong(long)).toBe(expected.length);
      if (Number.isSafeInteger(Number(value)) && BigInt(Number(value)) === value) {
        expect(new Encoder().writeVarLong(Number(value)).buffer).toEqual(expected);
        expect(Encoder.sizeOfVarLong(Number(value))).toBe(expected.length);
      }
    }
  });

  it("encodes a produce request's records to the same bytes whatever Node's buffer pool held", async () => {
    const messages = Array.from({ length: 300 }, (_, i) => ({
      key: `device-${i}`,
      value: 'x'.repeat(i % 40) + `reading ${i}`,
      timestamp: 1_765_000_000_000 + i * 997 - (i % 7) * 50_000,
      ...(i % 3 === 0 ? { headers: { origin: `gateway-${i}`, 'derstream-reason': 'LATE' } } : {}),
    }));
    const encode = async (fill: number) => {
      // Buffers of the pool's size, filled and dropped: what the encoder's unfilled buffers may hold.
      for (let i = 0; i < 64; i++) Buffer.allocUnsafe(4000).fill(fill);
      const request = produceRequest({
        acks: -1,
        timeout: 30_000,
        topicData: [{ topic: 'der.telemetry', partitions: [{ partition: 3, messages }] }],
      });
      return (await request.encode()).buffer;
    };
    const [zeros, ones, pattern] = [await encode(0x00), await encode(0xff), await encode(0x5a)];
    expect(ones).toEqual(zeros);
    expect(pattern).toEqual(zeros);
    const decoder = new Decoder(zeros);
    expect([decoder.readString(), decoder.readInt16(), decoder.readInt32()]).toEqual([null, -1, 30_000]);
    expect([decoder.readInt32(), decoder.readString(), decoder.readInt32(), decoder.readInt32()]).toEqual([
      1,
      'der.telemetry',
      1,
      3,
    ]);
    const size = decoder.readInt32();
    const batch = zeros.subarray(decoder.offset, decoder.offset + size);
    const { records } = await decodeRecordBatch(new Decoder(batch));
    const first = Math.min(...messages.map((m) => m.timestamp));
    expect(
      records.map((r) => ({
        key: r.key!.toString(),
        value: r.value!.toString(),
        timestamp: Number(r.timestamp),
        headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, v.toString()])),
      })),
    ).toEqual(
      messages.map((m) => ({
        key: m.key,
        value: m.value,
        timestamp: m.timestamp,
        headers: m.headers ?? {},
      })),
    );
    expect(records.map((r) => Number(r.timestamp) - first).every((delta) => delta >= 0)).toBe(true);
  });

  it("hashes keys with murmur2 as Kafka's Java client does", () => {
    // Kafka's own test vectors (UtilsTest.testMurmur2).
    expect(
      [
        '21',
        'foobar',
        'a-little-bit-long-string',
        'a-little-bit-longer-string',
        'lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8',
        'abc',
      ].map((key) => murmur2(key)),
    ).toEqual([-973932308, -790332482, -985981536, -1486304829, -58897971, 479470107]);
    for (let i = 0; i < 3000; i++) {
      const key = Buffer.from(Array.from({ length: i % 41 }, () => Math.floor(Math.random() * 256)));
      expect(murmur2(key)).toBe(javaMurmur2(key));
    }
  });
});

/** Unsigned LEB128, as Kafka writes varints: 7 bits a byte, low first, the high bit set on all but the last. */
function leb128(value: bigint): Buffer {
  const bytes: number[] = [];
  while (value >= 128n) {
    bytes.push(Number(value & 127n) | 128);
    value >>= 7n;
  }
  bytes.push(Number(value));
  return Buffer.from(bytes);
}

/** Java's `Utils.murmur2` line by line, its 32-bit ints kept as BigInts wrapped to 32 bits. */
function javaMurmur2(data: Buffer): number {
  const int = (value: bigint) => BigInt.asIntN(32, value);
  const unsignedShift = (value: bigint, bits: bigint) => BigInt.asUintN(32, value) >> bits;
  const m = 0x5bd1e995n;
  const length = data.length;
  let h = int(0x9747b28cn ^ BigInt(length));
  for (let i = 0; i < Math.floor(length / 4); i++) {
    const at = i * 4;
    let k = int(
      BigInt(data[at]!) |
        (BigInt(data[at + 1]!) << 8n) |
        (BigInt(data[at + 2]!) << 16n) |
        (BigInt(data[at + 3]!) << 24n),
    );
    k = int(k * m);
    k = int(k ^ unsignedShift(k, 24n));
    k = int(k * m);
    h = int(h * m);
    h = int(h ^ k);
  }
  const tail = length & ~3;
  if (length % 4 === 3) h = int(h ^ (BigInt(data[tail + 2]!) << 16n));
  if (length % 4 >= 2) h = int(h ^ (BigInt(data[tail + 1]!) << 8n));
  if (length % 4 >= 1) {
    h = int(h ^ BigInt(data[tail]!));
    h = int(h * m);
  }
  h = int(h ^ unsignedShift(h, 13n));
  h = int(h * m);
  h = int(h ^ unsignedShift(h, 15n));
  return Number(h);
}
