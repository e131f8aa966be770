import { RowBinaryRows } from '../../pipelines/io/clickhouse/rowBinary';

/**
 * RowBinary read back into objects keyed by column (tests only), for the types the
 * pipeline writes: what a test double of ClickHouse needs to see the rows it is given.
 */
export function readRowBinary(rows: RowBinaryRows): Record<string, unknown>[] {
  const readers = rows.columns.map((column) => ({ name: column.name, read: readerOf(column.type) }));
  const out: Record<string, unknown>[] = [];
  for (const chunk of rows.chunks) {
    const cursor = { buffer: chunk, at: 0 };
    while (cursor.at < chunk.length) {
      const row: Record<string, unknown> = {};
      for (const { name, read } of readers) row[name] = read(cursor);
      out.push(row);
    }
  }
  return out;
}

interface Cursor {
  buffer: Buffer;
  at: number;
}

type Reader = (cursor: Cursor) => unknown;

function readerOf(type: string): Reader {
  const wrapped = /^(Nullable|LowCardinality)\((.*)\)$/.exec(type);
  if (wrapped) {
    const inner = readerOf(wrapped[2]!);
    if (wrapped[1] === 'LowCardinality') return inner;
    return (cursor) => (cursor.buffer[cursor.at++] === 1 ? null : inner(cursor));
  }
  if (/^DateTime64\(3(, '[^']*')?\)$/.test(type)) return fixed(8, (b, at) => Number(b.readBigInt64LE(at)));
  switch (type) {
    case 'String':
      return (cursor) => {
        let length = 0;
        for (let shift = 0; ; shift += 7) {
          const byte = cursor.buffer[cursor.at++]!;
          length |= (byte & 0x7f) << shift;
          if (byte < 0x80) break;
        }
        const text = cursor.buffer.toString('utf8', cursor.at, cursor.at + length);
        cursor.at += length;
        return text;
      };
    case 'Bool':
      return fixed(1, (b, at) => b[at] === 1);
    case 'Float64':
      return fixed(8, (b, at) => b.readDoubleLE(at));
    case 'UInt16':
      return fixed(2, (b, at) => b.readUInt16LE(at));
    case 'UInt32':
      return fixed(4, (b, at) => b.readUInt32LE(at));
    case 'Int64':
      return fixed(8, (b, at) => Number(b.readBigInt64LE(at)));
    default:
      throw new Error(`readRowBinary: no reader for ${type}`);
  }
}

function fixed(bytes: number, read: (buffer: Buffer, at: number) => unknown): Reader {
  return (cursor) => {
    const value = read(cursor.buffer, cursor.at);
    cursor.at += bytes;
    return value;
  };
}
