import { AddressInfo } from 'node:net';
import { ServerResponse, createServer, request as httpRequest } from 'node:http';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { SchemaRejectedError, ServiceUnavailableError } from '../../../../pipelines/errors';
import { AvroDecoder, UndecodableRecordError } from '../../../../pipelines/io/registry/avroDecoder';
import { encodeConfluent } from '../../../../pipelines/io/registry/confluentWire';
import { parseRegistryConfig } from '../../../../pipelines/io/registry/registryConfig';
import { connectRegistry, registerAvroSchema } from '../../../../pipelines/io/registry/schemaRegistry';
import { telemetrySchema } from '../../../../pipelines/io/registry/telemetrySchemas';
import { Type } from 'avsc';
import { runId, testConfig } from '../../../support/services';

type Field = { name: string; type: unknown; default?: unknown };
const withFields = (schema: object, change: (fields: Field[]) => Field[]) => {
  const copy = JSON.parse(JSON.stringify(schema)) as { fields: Field[] };
  return { ...copy, fields: change(copy.fields) };
};

describe('the telemetry schemas in the real registry', () => {
  let registry: SchemaRegistry;
  // A subject of this run's own, so the compatibility history starts empty.
  const subject = `test.telemetry-${runId()}-value`;

  beforeAll(async () => {
    registry = await connectRegistry(testConfig().registry);
  });

  it('registers v1 then v2 (one optional field more) under BACKWARD, idempotently', async () => {
    const v1 = await registerAvroSchema(registry, subject, telemetrySchema(1));
    const v2 = await registerAvroSchema(registry, subject, telemetrySchema(2));
    expect(v2).not.toBe(v1);
    expect(await registerAvroSchema(registry, subject, telemetrySchema(1))).toBe(v1);
    expect(await registry.getLatestSchemaId(subject)).toBe(v2);
    const config = await (await fetch(`${testConfig().registry.url}/config/${subject}`)).json();
    expect(config).toMatchObject({ compatibilityLevel: 'BACKWARD' });
  });

  it('refuses a change that breaks BACKWARD compatibility, saying which field', async () => {
    await registerAvroSchema(registry, subject, telemetrySchema(2));
    const requiredField = withFields(telemetrySchema(2), (fields) => [
      ...fields,
      { name: 'siteId', type: 'string' },
    ]);
    const failure = registerAvroSchema(registry, subject, requiredField);
    await expect(failure).rejects.toThrow(SchemaRejectedError);
    await expect(failure).rejects.toThrow(
      new RegExp(`refused the schema for subject ${subject}: Incompatible artifact.*siteId`),
    );

    const retyped = withFields(telemetrySchema(2), (fields) =>
      fields.map((field) => (field.name === 'deviceId' ? { ...field, type: 'int' } : field)),
    );
    await expect(registerAvroSchema(registry, subject, retyped)).rejects.toMatchObject({
      code: 'SCHEMA_REJECTED',
      retriable: false,
    });
  });

  it('decodes into the reader schema whichever version wrote the record', async () => {
    const v1 = await registerAvroSchema(registry, subject, telemetrySchema(1));
    const v2 = await registerAvroSchema(registry, subject, telemetrySchema(2));
    const reading = {
      deviceId: 'd1',
      ts: 1_767_225_600_000,
      activePower: 10,
      reactivePower: null,
      voltage: 230,
      stateOfCharge: null,
      maxActivePower: 20,
      minActivePower: 0,
      connected: true,
    };
    const asV1 = encodeConfluent(v1, Type.forSchema(telemetrySchema(1) as never), reading);
    const asV2 = encodeConfluent(v2, Type.forSchema(telemetrySchema(2) as never), {
      ...reading,
      frequency: 50.01,
    });
    const v2Reader = new AvroDecoder(registry, telemetrySchema(2));
    const v1Reader = new AvroDecoder(registry, telemetrySchema(1));
    expect(await v2Reader.decode(asV1)).toEqual({ ...reading, frequency: null });
    expect(await v1Reader.decode(asV2)).toEqual(reading);
    expect(await v2Reader.decode(asV2)).toEqual({ ...reading, frequency: 50.01 });
  });

  it('says why a record cannot be decoded', async () => {
    const decoder = new AvroDecoder(registry, telemetrySchema(1));
    await expect(decoder.decode(Buffer.from('{"deviceId":"d1"}'))).rejects.toMatchObject({
      code: 'NOT_CONFLUENT_FRAMED',
    });
    await expect(decoder.decode(Buffer.from([0, 0x7f, 0, 0, 1, 2]))).rejects.toMatchObject({
      code: 'UNKNOWN_SCHEMA_ID',
    });
    const id = await registerAvroSchema(registry, subject, telemetrySchema(1));
    const truncated = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), Buffer.from([4, 0x64])]);
    truncated.writeUInt32BE(id, 1);
    await expect(decoder.decode(truncated)).rejects.toThrow(UndecodableRecordError);
    await expect(decoder.decode(truncated)).rejects.toMatchObject({ code: 'AVRO_DECODE_FAILED' });
  });

  it('names DERSTREAM_REGISTRY_URL when nothing, or something else, answers there', async () => {
    await expect(
      connectRegistry(parseRegistryConfig({ DERSTREAM_REGISTRY_URL: 'http://127.0.0.1:1' })),
    ).rejects.toThrow(ServiceUnavailableError);
    const root = new URL(testConfig().registry.url.origin);
    await expect(connectRegistry({ url: root })).rejects.toThrow(
      /^schema-registry \(DERSTREAM_REGISTRY_URL\): .*did not answer as a Confluent-compatible registry/,
    );
  });
});

describe('a registry that takes a request and never answers it', () => {
  // In front of the real registry: its connection check passes through, and every
  // writer-schema lookup is held open, what a hung registry does to a client that sets
  // no timeout of its own.
  const registryUrl = parseRegistryConfig(process.env).url;
  const held: ServerResponse[] = [];
  const server = createServer((incoming, response) => {
    if (incoming.url?.includes('/schemas/ids/')) {
      held.push(response);
      return;
    }
    const upstream = new URL(incoming.url ?? '/', registryUrl.origin);
    const forwarded = httpRequest(
      upstream,
      { method: incoming.method, headers: incoming.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forwarded.on('error', () => response.destroy());
    incoming.pipe(forwarded);
  });
  beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('fails the request instead of waiting for ever, so the caller retries or stops', async () => {
    const { port } = server.address() as AddressInfo;
    const registry = await connectRegistry(
      parseRegistryConfig({ DERSTREAM_REGISTRY_URL: `http://127.0.0.1:${port}${registryUrl.pathname}` }),
    );
    await expect(registry.getSchema(7)).rejects.toThrow(/timeout/i);
    expect(held.length).toBeGreaterThan(0);
  }, 60_000);
});
