/**
 * Hands out typed arrays carved from large shared buffers.
 *
 * Why: the forecast state of a fleet is tens of thousands of series with a dozen small
 * arrays each, and V8 allocates every ArrayBuffer on its own with bookkeeping that makes
 * that take seconds for 10,000 groups; views into a few large buffers take a fifth of
 * the time. A buffer is freed once no array carved from it is left, so the memory of a
 * forgotten group comes back when the groups that share its buffer are gone too.
 */
export class TypedArena {
  private buffer: ArrayBuffer | undefined;
  private offset = 0;

  constructor(private readonly chunkBytes = 1 << 20) {}

  float64(length: number): Float64Array {
    return new Float64Array(...this.carve(length * 8), length);
  }

  float32(length: number): Float32Array {
    return new Float32Array(...this.carve(length * 4), length);
  }

  int32(length: number): Int32Array {
    return new Int32Array(...this.carve(length * 4), length);
  }

  /** Room for `bytes`, as a buffer and an offset into it; every offset is a multiple of 8. */
  private carve(bytes: number): [ArrayBuffer, number] {
    const size = Math.ceil(bytes / 8) * 8;
    if (!this.buffer || this.offset + size > this.buffer.byteLength) {
      this.buffer = new ArrayBuffer(Math.max(this.chunkBytes, size));
      this.offset = 0;
    }
    const at = this.offset;
    this.offset += size;
    return [this.buffer, at];
  }
}
