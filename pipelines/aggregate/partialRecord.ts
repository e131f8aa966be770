import { DerstreamError } from '../errors';
import { PartialAggregate } from './partialAggregate';

/**
 * How far one source (telemetry) partition has gone, as its partial producer tells
 * every merge partition: its watermark, whether it is idle, and `through`, the end of
 * the last window whose partials it has sent (none will follow for it or any before).
 */
export interface ProgressMarker {
  partition: number;
  watermark: number;
  through: number;
  idle: boolean;
}

/** What travels on the partials topic: a partial aggregate (key = group mRID) or a progress marker (to every partition). */
export type PartialRecord =
  { kind: 'partial'; partial: PartialAggregate } | { kind: 'progress'; marker: ProgressMarker };

/** A partials record no derstream wrote, or of another version: the topic is internal, so this is a bug, not bad input. */
export class PartialRecordError extends DerstreamError {
  constructor(detail: string) {
    super('PARTIAL_RECORD_INVALID', `partials topic: ${detail}`, false);
  }
}

/** JSON has no infinities: an unknown watermark (-Infinity) travels as null. */
const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);
const orMinusInfinity = (x: unknown) => (typeof x === 'number' ? x : -Infinity);

export function encodePartialRecord(record: PartialRecord): string {
  if (record.kind === 'partial') {
    const { partial } = record;
    return JSON.stringify({ kind: 'partial', ...partial, watermark: finiteOrNull(partial.watermark) });
  }
  const { marker } = record;
  return JSON.stringify({
    kind: 'progress',
    partition: marker.partition,
    watermark: finiteOrNull(marker.watermark),
    through: finiteOrNull(marker.through),
    idle: marker.idle,
  });
}

export function decodePartialRecord(bytes: Buffer | string): PartialRecord {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString());
  } catch {
    throw new PartialRecordError('a record is not JSON');
  }
  const record = value as Record<string, unknown> | null;
  if (
    record?.kind === 'progress' &&
    typeof record.partition === 'number' &&
    typeof record.idle === 'boolean'
  ) {
    return {
      kind: 'progress',
      marker: {
        partition: record.partition,
        watermark: orMinusInfinity(record.watermark),
        through: orMinusInfinity(record.through),
        idle: record.idle,
      },
    };
  }
  if (
    record?.kind === 'partial' &&
    typeof record.partition === 'number' &&
    typeof record.groupId === 'string' &&
    typeof record.windowEnd === 'number'
  ) {
    const { kind: _kind, ...partial } = record;
    return {
      kind: 'partial',
      partial: { ...(partial as unknown as PartialAggregate), watermark: orMinusInfinity(record.watermark) },
    };
  }
  throw new PartialRecordError(`unknown record ${bytes.toString().slice(0, 100)}`);
}
