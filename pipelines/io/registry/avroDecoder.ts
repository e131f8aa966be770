import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Type } from 'avsc';
import { DerstreamError } from '../../errors';

/** A record that is not Confluent-framed Avro, or whose schema the registry does not know. */
export class UndecodableRecordError extends DerstreamError {
  constructor(
    code: 'NOT_CONFLUENT_FRAMED' | 'UNKNOWN_SCHEMA_ID' | 'AVRO_DECODE_FAILED',
    message: string,
    retriable = false,
  ) {
    super(code, message, retriable);
  }
}

/**
 * Decodes Confluent-framed Avro into the reader schema's shape, whatever version the
 * writer used (Avro schema resolution: fields the reader lacks are dropped, fields the
 * writer lacked take their defaults; a union reader takes the branch the writer's record
 * names). Writer schemas are fetched from the registry
 * once per id; after that, decoding is synchronous work on the buffer.
 */
export class AvroDecoder<T> {
  private readonly reader: Type;
  private readonly resolvers = new Map<number, ReturnType<Type['createResolver']>>();
  /** Registered schemas the reader cannot resolve: known bad, so not fetched again. */
  private readonly unreadable = new Map<number, UndecodableRecordError>();

  constructor(
    private readonly registry: SchemaRegistry,
    readerSchema: object,
  ) {
    this.reader = Type.forSchema(readerSchema as never);
  }

  /** The writer schema id of a framed record, or an error saying why it has none. */
  static schemaIdOf(buffer: Buffer): number {
    if (buffer.length < 5 || buffer[0] !== 0) {
      throw new UndecodableRecordError(
        'NOT_CONFLUENT_FRAMED',
        'record does not start with magic byte 0 and a schema id',
      );
    }
    return buffer.readUInt32BE(1);
  }

  /**
   * The record decoded at once when its writer schema is known already (every record
   * but the first of each schema id); undefined when {@link decode} must fetch it first.
   * Throws what `decode` throws for a record that cannot be read.
   */
  decodeKnown(buffer: Buffer): T | undefined {
    const id = AvroDecoder.schemaIdOf(buffer);
    const known = this.unreadable.get(id);
    if (known) throw known;
    const resolver = this.resolvers.get(id);
    return resolver && this.read(buffer, id, resolver);
  }

  async decode(buffer: Buffer): Promise<T> {
    const decoded = this.decodeKnown(buffer);
    if (decoded !== undefined) return decoded;
    const id = AvroDecoder.schemaIdOf(buffer);
    return this.read(buffer, id, await this.fetchResolver(id));
  }

  /** The writer schema `id` from the registry, resolved against the reader and kept. */
  private async fetchResolver(id: number): Promise<ReturnType<Type['createResolver']>> {
    let writer: Type;
    try {
      writer = Type.forSchema(JSON.parse(JSON.stringify(await this.registry.getSchema(id))) as never);
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 404)
        throw new UndecodableRecordError('UNKNOWN_SCHEMA_ID', `schema id ${id} is not in the registry`);
      throw error;
    }
    let resolver: ReturnType<Type['createResolver']>;
    try {
      resolver = this.reader.createResolver(writer);
    } catch (error) {
      // A registered schema the reader cannot resolve (a field of another type): every
      // record written with it is undecodable, not the pipeline broken.
      const unreadable = new UndecodableRecordError(
        'AVRO_DECODE_FAILED',
        `schema id ${id} cannot be read as ${this.readerName()}: ${(error as Error).message}`,
      );
      this.unreadable.set(id, unreadable);
      throw unreadable;
    }
    this.resolvers.set(id, resolver);
    return resolver;
  }

  private read(buffer: Buffer, id: number, resolver: ReturnType<Type['createResolver']>): T {
    try {
      // fromBuffer's checks, read in place after the 5-byte frame rather than from a
      // subarray made per record.
      const { value, offset } = this.reader.decode(buffer, 5, resolver);
      if (offset === -1) throw new Error('truncated buffer');
      if (offset < buffer.length) throw new Error('trailing data');
      return value as T;
    } catch (error) {
      throw new UndecodableRecordError('AVRO_DECODE_FAILED', `schema id ${id}: ${(error as Error).message}`);
    }
  }

  /** The reader's record name, or its records' names when it is a union. */
  private readerName(): string {
    const branches = (this.reader as Type & { types?: Type[] }).types;
    return this.reader.name ?? branches?.map((type) => type.name).join(' or ') ?? 'the reader schema';
  }
}
