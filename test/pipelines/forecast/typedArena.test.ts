import { TypedArena } from '../../../pipelines/forecast/typedArena';

describe('TypedArena', () => {
  it('carves zeroed, disjoint arrays, aligned for 64-bit reads, from shared buffers', () => {
    const arena = new TypedArena(64);
    const a = arena.float32(3);
    const b = arena.float64(2);
    const c = arena.int32(9);
    expect([a.length, b.length, c.length]).toEqual([3, 2, 9]);
    expect([...a, ...b, ...c].every((x) => x === 0)).toBe(true);
    expect(b.byteOffset % 8).toBe(0);
    expect(a.buffer).toBe(b.buffer);
    // 16 + 16 bytes taken; the third needs 40, more than the 32 left: a new buffer.
    expect(c.buffer).not.toBe(a.buffer);
    a.fill(1);
    b.fill(2);
    expect([...a]).toEqual([1, 1, 1]);
    expect([...b]).toEqual([2, 2]);
  });

  it('gives an array larger than a chunk a buffer of its own', () => {
    const arena = new TypedArena(16);
    expect(arena.float64(100).length).toBe(100);
  });
});
