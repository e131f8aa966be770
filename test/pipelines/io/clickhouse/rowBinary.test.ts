import { Column, encodeRowBinary, rowBinaryWriter } from '../../../../pipelines/io/clickhouse/rowBinary';

const MB = 1024 * 1024;

/** One value of one type, as the hex of its RowBinary bytes, or undefined when refused. */
function hexOf(type: string, value: unknown): string | undefined {
  return encodeRowBinary([{ v: value }], [{ name: 'v', type }], MB)?.[0]?.toString('hex');
}

describe('encodeRowBinary', () => {
  it.each([
    ['String', 'déjà', '06' + Buffer.from('déjà').toString('hex')],
    ['String', '', '00'],
    ['Bool', true, '01'],
    ['Bool', false, '00'],
    ['Float64', 1.5, '000000000000f83f'],
    ['Float64', -0.25, '000000000000d0bf'],
    ['Float64', -0, '0000000000000000'],
    ['Float32', 1.5, '0000c03f'],
    ['UInt8', 255, 'ff'],
    ['UInt16', 0x1234, '3412'],
    ['UInt32', 0xfffffffe, 'feffffff'],
    ['Int8', -1, 'ff'],
    ['Int16', -2, 'feff'],
    ['Int32', -0x80000000, '00000080'],
    ['Int64', 1, '0100000000000000'],
    ['Int64', -1, 'ffffffffffffffff'],
    ['Int64', Number.MAX_SAFE_INTEGER, 'ffffffffffff1f00'],
    ['Int64', Number.MIN_SAFE_INTEGER, '010000000000e0ff'],
    ['UInt64', 2 ** 32, '0000000001000000'],
    ["DateTime64(3, 'UTC')", 1_767_225_600_123, '7ba8da769b010000'],
    ['DateTime64(3)', -1, 'ffffffffffffffff'],
    ['LowCardinality(String)', 'valid', '0576616c6964'],
    ['Nullable(Float64)', null, '01'],
    ['Nullable(Float64)', undefined, '01'],
    ['Nullable(Float64)', 1.5, '00000000000000f83f'],
    ['Nullable(String)', 'a', '000161'],
    ['LowCardinality(Nullable(String))', null, '01'],
    ['Array(String)', [], '00'],
    ['Array(String)', ['a', ''], '02016100'],
    ['Array(Nullable(Float64))', [null, 1.5], '0201' + '00000000000000f83f'],
    ['Array(LowCardinality(String))', Array.from({ length: 130 }, () => 'x'), '8201' + '0178'.repeat(130)],
  ])('writes %s %p as %s', (type, value, hex) => {
    expect(hexOf(type, value)).toBe(hex);
  });

  it('puts a string of more than 127 bytes behind a varint length', () => {
    expect(hexOf('String', 'x'.repeat(200))).toBe('c801' + '78'.repeat(200));
    expect(hexOf('String', 'é'.repeat(43))!.slice(0, 4)).toBe('56c3');
    expect(hexOf('String', 'é'.repeat(64))!.slice(0, 4)).toBe('8001');
  });

  it.each([
    ['Float64', Number.NaN],
    ['Float64', Number.POSITIVE_INFINITY],
    ['Float64', '1.5'],
    ['Float64', null],
    ['Float64', undefined],
    ['UInt32', 1.5],
    ['UInt32', -1],
    ['UInt16', 65_536],
    ['Int8', 128],
    ['Int64', 2 ** 53],
    ['UInt64', -1],
    ['Bool', 1],
    ['String', 42],
    ["DateTime64(3, 'UTC')", '2026-01-01 00:00:00.000'],
    ["DateTime64(3, 'UTC')", 1.5],
    ["DateTime64(3, 'UTC')", Date.UTC(2300, 0, 1)],
    ["DateTime64(3, 'UTC')", Date.UTC(1899, 11, 31)],
    ['Nullable(UInt8)', 300],
    ['Array(String)', 'abc'],
    ['Array(String)', ['a', 1]],
    ['Array(Float64)', null],
  ])('refuses %s %p, which ClickHouse would convert or refuse itself', (type, value) => {
    expect(hexOf(type, value)).toBeUndefined();
  });

  it.each([
    'FixedString(64)',
    'Array(FixedString(2))',
    'DateTime64(6)',
    'DateTime',
    'Decimal(10, 2)',
    'constructor',
  ])('refuses a type it is not written for: %s', (type) => {
    expect(rowBinaryWriter(type)).toBeUndefined();
    expect(hexOf(type, 'x')).toBeUndefined();
  });

  const columns: Column[] = [
    { name: 'group_id', type: 'String' },
    { name: 'power', type: 'Float64' },
    { name: 'offset', type: 'Int64' },
    { name: 'soc', type: 'Nullable(Float64)' },
  ];
  const rows = Array.from({ length: 5000 }, (_, i) => ({
    soc: i % 3 === 0 ? null : i / 7,
    offset: i * 1_000_003,
    power: -i * 0.5,
    group_id: `group-${'é'.repeat(i % 50)}-${i}`,
  }));
  const oneByOne = Buffer.concat(rows.map((row) => encodeRowBinary([row], columns, MB)![0]!));

  it('writes the columns in their order whatever the keys, growing its buffer as it goes', () => {
    const [whole, ...more] = encodeRowBinary(rows, columns, MB)!;
    expect(more).toEqual([]);
    expect(whole!.equals(oneByOne)).toBe(true);
    expect(whole!.subarray(0, 9 + 8 + 8 + 1).toString('hex')).toBe(
      '08' + Buffer.from('group--0').toString('hex') + '0000000000000000' + '0000000000000000' + '01',
    );
  });

  it('cuts into buffers of about maxBytes at row boundaries, in order', () => {
    const buffers = encodeRowBinary(rows, columns, 4096)!;
    expect(buffers.length).toBeGreaterThan(10);
    for (const buffer of buffers.slice(0, -1)) {
      expect(buffer.length).toBeGreaterThanOrEqual(4096);
      expect(buffer.length).toBeLessThan(4096 + 200);
    }
    expect(Buffer.concat(buffers).equals(oneByOne)).toBe(true);
  });

  it('gives nothing for no rows, and gives up on the whole insert for one value refused', () => {
    expect(encodeRowBinary([], columns, MB)).toEqual([]);
    const bad = [...rows.slice(0, 100), { ...rows[100]!, power: Number.NaN }, ...rows.slice(101)];
    expect(encodeRowBinary(bad, columns, MB)).toBeUndefined();
  });
});
