/** `length` numbers at `data[at ..< at + length]`; `data` is shared with other slices. */
export interface Slice<A> {
  readonly data: A;
  readonly at: number;
}

/** One large buffer, seen once as each element type. */
interface Chunk {
  float64: Float64Array;
  int32: Int32Array;
  uint16: Uint16Array;
}

/**
 * Hands out runs of numbers carved from large shared buffers, as a view of the whole
 * buffer and an index into it.
 *
 * Why: the forecast state of a fleet is tens of thousands of series with a dozen small
 * arrays each. An ArrayBuffer each made that take seconds for 10,000 groups (V8's
 * bookkeeping per buffer); a view each into shared buffers still cost about 100 bytes
 * of heap per view, as much as the numbers themselves (77 MB at 10,000 groups of 4
 * parameters, in a heap snapshot of the memory scenario). Views of a whole buffer,
 * shared by every slice in it, cost nothing per slice. A buffer is freed once no slice
 * of it is left, so the memory of a forgotten group comes back when the groups that
 * share its buffer are gone too.
 */
export class TypedArena {
  private chunk: Chunk | undefined;
  /** Bytes of the chunk handed out. */
  private offset = 0;

  constructor(private readonly chunkBytes = 1 << 20) {}

  /** `length` numbers, each `initial` (a fresh buffer is zeros). */
  float64(length: number, initial = 0): Slice<Float64Array> {
    const [chunk, at] = this.carve(length * 8);
    return filled(chunk.float64, at / 8, length, initial);
  }

  int32(length: number, initial = 0): Slice<Int32Array> {
    const [chunk, at] = this.carve(length * 4);
    return filled(chunk.int32, at / 4, length, initial);
  }

  uint16(length: number, initial = 0): Slice<Uint16Array> {
    const [chunk, at] = this.carve(length * 2);
    return filled(chunk.uint16, at / 2, length, initial);
  }

  /** Room for `bytes`, as a chunk and a byte offset into it; every offset is a multiple of 8. */
  private carve(bytes: number): [Chunk, number] {
    const size = Math.ceil(bytes / 8) * 8;
    if (!this.chunk || this.offset + size > this.chunk.float64.byteLength) {
      const buffer = new ArrayBuffer(Math.max(this.chunkBytes, size));
      this.chunk = {
        float64: new Float64Array(buffer),
        int32: new Int32Array(buffer),
        uint16: new Uint16Array(buffer),
      };
      this.offset = 0;
    }
    const at = this.offset;
    this.offset += size;
    return [this.chunk, at];
  }
}

function filled<A extends Float64Array | Int32Array | Uint16Array>(
  data: A,
  at: number,
  length: number,
  initial: number,
): Slice<A> {
  if (initial !== 0) data.fill(initial, at, at + length);
  return { data, at };
}
