import { Type } from 'avsc';

/**
 * Confluent's wire format: magic byte 0, the schema id as a big-endian uint32, then
 * the Avro binary encoding. Written here rather than through the registry client's
 * `encode` so the hot path does no promise or cache lookup per record.
 */
export function encodeConfluent(schemaId: number, type: Type, value: unknown): Buffer {
  const body = type.toBuffer(value);
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = 0;
  out.writeUInt32BE(schemaId, 1);
  body.copy(out, 5);
  return out;
}

/** Bytes of each slab a {@link ConfluentEncoder} carves records from. */
const SLAB_BYTES = 256 * 1024;

/**
 * {@link encodeConfluent} for a stream of records: each is encoded in place into a shared
 * slab and handed out as a view of it. A record costs no buffer of its own and no copy
 * (Avro's `toBuffer` makes a zeroed buffer and copies into it, and the header needs a
 * second buffer and copy): at 94 k records a second, that was 7 % of the fleet simulator's
 * time. A slab is never written again once full, so every view stays valid
 * for as long as it is held; a slab is freed with its last view.
 */
export class ConfluentEncoder {
  private slab = Buffer.allocUnsafe(0);
  private at = 0;

  constructor(
    private readonly schemaId: number,
    private readonly type: Type,
  ) {}

  encode(value: unknown): Buffer {
    let start = this.at;
    // Negative when the slab has too little room left (avsc's Type#encode).
    let end = this.type.encode(value, this.slab, start + 5);
    if (end < 0) {
      this.slab = Buffer.allocUnsafe(SLAB_BYTES);
      this.at = start = 0;
      end = this.type.encode(value, this.slab, 5);
      if (end < 0) return encodeConfluent(this.schemaId, this.type, value);
    }
    this.slab[start] = 0;
    this.slab.writeUInt32BE(this.schemaId, start + 1);
    this.at = end;
    return this.slab.subarray(start, end);
  }
}
