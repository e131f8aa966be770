import { Type } from 'avsc';
import { ConfluentEncoder, encodeConfluent } from '../../../../pipelines/io/registry/confluentWire';
import { telemetryBatchSchema, telemetrySchema } from '../../../../pipelines/io/registry/telemetrySchemas';
import { reading } from '../../../support/readings';

const readingType = Type.forSchema(telemetrySchema(1) as never);
const batchType = Type.forSchema(telemetryBatchSchema() as never);

describe('ConfluentEncoder', () => {
  it('gives the bytes encodeConfluent gives, each record intact while later ones fill new slabs', () => {
    const encoder = new ConfluentEncoder(42, readingType);
    // About 1.4 MB of records: several slabs.
    const values = Array.from({ length: 20_000 }, (_, i) =>
      reading(`device-${i}`, 1_700_000_000_000 + i, { activePower: i / 7, voltage: i % 3 ? 230.5 : null }),
    );
    const encoded = values.map((value) => encoder.encode(value));
    const differing = encoded.filter(
      (bytes, i) => !bytes.equals(encodeConfluent(42, readingType, values[i])),
    );
    expect(differing).toHaveLength(0);
    expect(readingType.fromBuffer(encoded[19_999]!.subarray(5))).toEqual(values[19_999]);
    expect(encoded[0]!.readUInt32BE(1)).toBe(42);
  });

  it('encodes a record larger than a slab whole', () => {
    const encoder = new ConfluentEncoder(7, batchType);
    const small = { gatewayId: 'gw', readings: [reading('a', 1)] };
    const large = {
      gatewayId: 'gw',
      readings: Array.from({ length: 10_000 }, (_, i) => reading(`device-${i}`, i)),
    };
    const before = encoder.encode(small);
    const bytes = encoder.encode(large);
    const after = encoder.encode(small);
    expect(bytes.length).toBeGreaterThan(256 * 1024);
    expect(bytes.equals(encodeConfluent(7, batchType, large))).toBe(true);
    expect(before.equals(encodeConfluent(7, batchType, small))).toBe(true);
    expect(after.equals(before)).toBe(true);
  });
});
