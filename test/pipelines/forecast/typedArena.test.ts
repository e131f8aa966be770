import { TypedArena } from '../../../pipelines/forecast/typedArena';

describe('TypedArena', () => {
  it('carves zeroed, disjoint slices, aligned for 64-bit reads, as shared views of one buffer', () => {
    const arena = new TypedArena(64);
    const a = arena.int32(3);
    const b = arena.float64(2);
    expect(a.data.buffer).toBe(b.data.buffer);
    // Every slice of a buffer shares its view: nothing is allocated per slice.
    expect(arena.int32(1).data).toBe(a.data);
    const c = arena.int32(9);
    // Byte offsets 0 and 16: a float64 slice starts on an 8-byte boundary.
    expect([a.at * 4, b.at * 8]).toEqual([0, 16]);
    // 16 + 16 + 8 bytes taken; the third needs 40, more than the 24 left: a new buffer.
    expect(c.data.buffer).not.toBe(a.data.buffer);
    expect(c.at).toBe(0);
    expect([...c.data.subarray(c.at, c.at + 9)].every((x) => x === 0)).toBe(true);
    a.data.fill(1, a.at, a.at + 3);
    b.data.fill(2, b.at, b.at + 2);
    expect([...a.data.subarray(a.at, a.at + 3)]).toEqual([1, 1, 1]);
    expect([...b.data.subarray(b.at, b.at + 2)]).toEqual([2, 2]);
  });

  it('fills a slice with the initial value given, and nothing beside it', () => {
    const arena = new TypedArena(64);
    const before = arena.int32(2);
    const slice = arena.float64(3, NaN);
    const after = arena.int32(2);
    expect([...slice.data.subarray(slice.at, slice.at + 3)]).toEqual([NaN, NaN, NaN]);
    expect([...before.data.subarray(before.at, before.at + 2)]).toEqual([0, 0]);
    expect([...after.data.subarray(after.at, after.at + 2)]).toEqual([0, 0]);
    expect(after.data.buffer).toBe(slice.data.buffer);
    const codes = arena.uint16(3, 7);
    expect([...codes.data.subarray(codes.at, codes.at + 3)]).toEqual([7, 7, 7]);
    expect(codes.data.buffer).toBe(slice.data.buffer);
  });

  it('gives a slice larger than a chunk a buffer of its own', () => {
    const arena = new TypedArena(16);
    const big = arena.float64(100);
    expect(big.data.length).toBe(100);
    expect(big.at).toBe(0);
  });
});
