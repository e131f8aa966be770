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
