import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Type } from 'avsc';
import { encodeConfluent } from '../../../../pipelines/io/registry/confluentWire';
import { connectRegistry, registerAvroSchema } from '../../../../pipelines/io/registry/schemaRegistry';
import { TelemetryDecoder } from '../../../../pipelines/io/registry/telemetryDecoder';
import {
  batchSubject,
  telemetryBatchSchema,
  telemetryReaderSchema,
  telemetrySchema,
  valueSubject,
} from '../../../../pipelines/io/registry/telemetrySchemas';
import { reading } from '../../../support/readings';
import { runId, testConfig } from '../../../support/services';

/**
 * Single readings and gateway batches on one topic, in the real registry: the reading
 * under `<topic>-value` (TopicNameStrategy), the batch under
 * `<topic>-io.derstream.telemetry.TelemetryBatch` (TopicRecordNameStrategy); the
 * decoder tells them apart by the schema id alone.
 */
describe('telemetry batches in the real registry', () => {
  let registry: SchemaRegistry;
  const topic = `test.telemetry-${runId()}`;
  const base = () => testConfig().registry.url.toString().replace(/\/$/, '');

  beforeAll(async () => {
    registry = await connectRegistry(testConfig().registry);
  });

  afterAll(async () => {
    for (const subject of [valueSubject(topic), batchSubject(topic)])
      for (const query of ['', '?permanent=true'])
        await fetch(`${base()}/subjects/${encodeURIComponent(subject)}${query}`, { method: 'DELETE' });
  });

  it('holds the batch under a subject of its own beside the reading, BACKWARD, idempotently', async () => {
    const readingId = await registerAvroSchema(registry, valueSubject(topic), telemetrySchema(2));
    const batchId = await registerAvroSchema(registry, batchSubject(topic), telemetryBatchSchema());
    expect(batchId).not.toBe(readingId);
    expect(await registerAvroSchema(registry, batchSubject(topic), telemetryBatchSchema())).toBe(batchId);
    const subjects = (await (await fetch(`${base()}/subjects`)).json()) as string[];
    expect(subjects).toEqual(
      expect.arrayContaining([`${topic}-value`, `${topic}-io.derstream.telemetry.TelemetryBatch`]),
    );
    const config = await (await fetch(`${base()}/config/${encodeURIComponent(batchSubject(topic))}`)).json();
    expect(config).toMatchObject({ compatibilityLevel: 'BACKWARD' });
  });

  it("keeps the batch's readings the TelemetryReading v2 record, field for field", () => {
    const batch = telemetryBatchSchema() as { fields: { name: string; type: { items?: unknown } }[] };
    expect(batch.fields.find((f) => f.name === 'readings')!.type.items).toEqual(telemetrySchema(2));
  });

  it('yields one reading for a reading, every reading of a batch in order, whichever schema wrote them', async () => {
    const v1 = await registerAvroSchema(registry, valueSubject(topic), telemetrySchema(1));
    const v2 = await registerAvroSchema(registry, valueSubject(topic), telemetrySchema(2));
    const batchId = await registerAvroSchema(registry, batchSubject(topic), telemetryBatchSchema());
    // A producer that put both records under one subject as a union (TopicNameStrategy with a
    // union); registered over HTTP, as the client library takes only named schemas.
    const registered = await fetch(
      `${base()}/subjects/${encodeURIComponent(`${topic}-union-value`)}/versions`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
        body: JSON.stringify({ schema: JSON.stringify(telemetryReaderSchema()) }),
      },
    );
    const { id: unionId } = (await registered.json()) as { id: number };
    const decoder = new TelemetryDecoder(registry);
    const r1 = reading('d1', 1_767_225_600_000, { activePower: 10, voltage: 230 });
    const r2 = reading('d2', 1_767_225_601_000, { activePower: -5, stateOfCharge: 55 });

    expect(
      await decoder.decode(encodeConfluent(v1, Type.forSchema(telemetrySchema(1) as never), r1)),
    ).toEqual({
      kind: 'reading',
      readings: [{ ...r1, frequency: null }],
    });
    expect(
      await decoder.decode(
        encodeConfluent(v2, Type.forSchema(telemetrySchema(2) as never), { ...r2, frequency: 50 }),
      ),
    ).toEqual({ kind: 'reading', readings: [{ ...r2, frequency: 50 }] });
    const batchType = Type.forSchema(telemetryBatchSchema() as never);
    const readings = [r1, r2, { ...r1, ts: r1.ts + 10_000 }].map((r) => ({ ...r, frequency: null }));
    expect(
      await decoder.decode(encodeConfluent(batchId, batchType, { gatewayId: 'gw-1', readings })),
    ).toEqual({
      kind: 'batch',
      gatewayId: 'gw-1',
      readings,
    });
    expect(
      await decoder.decode(encodeConfluent(batchId, batchType, { gatewayId: 'gw-1', readings: [] })),
    ).toEqual({
      kind: 'batch',
      gatewayId: 'gw-1',
      readings: [],
    });
    const unionType = Type.forSchema(telemetryReaderSchema() as never);
    expect(
      await decoder.decode(
        encodeConfluent(unionId, unionType, {
          'io.derstream.telemetry.TelemetryBatch': { gatewayId: 'gw-2', readings: readings.slice(0, 1) },
        }),
      ),
    ).toEqual({ kind: 'batch', gatewayId: 'gw-2', readings: readings.slice(0, 1) });
    await fetch(`${base()}/subjects/${encodeURIComponent(`${topic}-union-value`)}`, { method: 'DELETE' });
    await fetch(`${base()}/subjects/${encodeURIComponent(`${topic}-union-value`)}?permanent=true`, {
      method: 'DELETE',
    });
  });

  it('decodes at once, without the registry, only what a schema id already fetched wrote', async () => {
    const v2 = await registerAvroSchema(registry, valueSubject(topic), telemetrySchema(2));
    const record = encodeConfluent(v2, Type.forSchema(telemetrySchema(2) as never), {
      ...reading('d3', 1_767_225_600_000),
      frequency: 49.9,
    });
    const decoder = new TelemetryDecoder(registry);
    expect(decoder.decodeKnown(record)).toBeUndefined();
    const decoded = await decoder.decode(record);
    expect(decoded).toMatchObject({ kind: 'reading', readings: [{ deviceId: 'd3', frequency: 49.9 }] });
    expect(decoder.decodeKnown(record)).toEqual(decoded);
    expect(() => decoder.decodeKnown(record.subarray(0, record.length - 2))).toThrow(
      expect.objectContaining({
        code: 'AVRO_DECODE_FAILED',
        message: expect.stringMatching(/truncated buffer/),
      }),
    );
    expect(() => decoder.decodeKnown(Buffer.concat([record, Buffer.from([0])]))).toThrow(
      expect.objectContaining({
        code: 'AVRO_DECODE_FAILED',
        message: expect.stringMatching(/trailing data/),
      }),
    );
    expect(() => decoder.decodeKnown(Buffer.from([1, 0, 0, 0, 1, 2]))).toThrow(
      expect.objectContaining({ code: 'NOT_CONFLUENT_FRAMED' }),
    );
  });

  it('refuses a batch that does not decode as a whole', async () => {
    const batchId = await registerAvroSchema(registry, batchSubject(topic), telemetryBatchSchema());
    const whole = encodeConfluent(batchId, Type.forSchema(telemetryBatchSchema() as never), {
      gatewayId: 'gw-1',
      readings: [{ ...reading('d1', 1_767_225_600_000), frequency: null }],
    });
    const decoder = new TelemetryDecoder(registry);
    await expect(decoder.decode(whole.subarray(0, whole.length - 3))).rejects.toMatchObject({
      code: 'AVRO_DECODE_FAILED',
    });
  });
});
