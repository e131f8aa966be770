import { PreparedRecords } from '../../../benchmarks/simulator/preparedRecords';

describe('PreparedRecords', () => {
  const base = Date.UTC(2026, 11, 7);
  /** Record i: due i ms after base, keyed by one of 7 devices, i % 50 + 1 readings, i % 90 + 1 bytes of value. */
  const record = (i: number) => ({
    arrival: base + i,
    key: `device-${i % 7}`,
    value: Buffer.alloc((i % 90) + 1, i % 251),
    readings: (i % 50) + 1,
  });

  it('gives back every record as added, across chunks of records and slabs of values', () => {
    // Chunks of 16 records and slabs of 256 bytes: 1,000 records cross both many times.
    const prepared = new PreparedRecords(base, 16, 256);
    for (let i = 0; i < 1000; i++) {
      const { arrival, key, value, readings } = record(i);
      prepared.add(arrival, key, value, readings);
    }
    expect(prepared.length).toBe(1000);
    for (let i = 0; i < 1000; i++) {
      const { arrival, key, value, readings } = record(i);
      expect(prepared.arrivalOf(i)).toBe(arrival);
      expect(prepared.keyOf(i).toString()).toBe(key);
      expect(prepared.readingsOf(i)).toBe(readings);
      expect(prepared.valueOf(i).equals(value)).toBe(true);
    }
  });

  it('copies a value, so the buffer it came from may be written again', () => {
    const prepared = new PreparedRecords(base);
    const reused = Buffer.from('first');
    prepared.add(base, 'a', reused, 1);
    reused.write('later');
    expect(prepared.valueOf(0).toString()).toBe('first');
  });

  it('refuses what it cannot keep, and a record it does not have', () => {
    const prepared = new PreparedRecords(base, 16, 256);
    expect(() => prepared.add(base - 1, 'a', Buffer.alloc(1), 1)).toThrow(/not a whole millisecond/);
    expect(() => prepared.add(base + 0.5, 'a', Buffer.alloc(1), 1)).toThrow(/not a whole millisecond/);
    expect(() => prepared.add(base, 'a', Buffer.alloc(257), 1)).toThrow(/257 bytes is larger/);
    expect(() => prepared.add(base, 'a', Buffer.alloc(1), 70_000)).toThrow(/70000 readings/);
    expect(() => new PreparedRecords(base, 1000)).toThrow(/power of two/);
    expect(prepared.length).toBe(0);
    expect(() => prepared.valueOf(0)).toThrow(RangeError);
  });
});
