import { DerstreamError } from '../errors';
import { emptyPartial, PARTIAL_SUMS, PartialAggregate } from './partialAggregate';

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

/** A count of members (Uint32) in the binary form, in this order. */
const COUNTS = [
  'reporting',
  'fresh',
  'stale',
  'connected',
  'reactivePowerCount',
  'maxActivePowerCount',
  'minActivePowerCount',
  'socCount',
  'socWithoutEnergy',
  'storedEnergyCount',
] as const satisfies readonly (keyof PartialAggregate)[];

/** The binary forms' first byte. Records written before them are JSON, whose first byte is `{`. */
const PARTIAL = 1;
const PROGRESS = 2;
const JSON_OPEN = 0x7b;
/** Format, partition, watermark, windowEnd, the group id's length. */
const PARTIAL_HEAD = 1 + 4 + 8 + 8 + 2;
/** Format, partition, watermark, through, idle. */
const PROGRESS_BYTES = 1 + 4 + 8 + 8 + 1;
const VOLTAGE_MIN = 1;
const VOLTAGE_MAX = 2;

/**
 * A record as its value, binary, little-endian. A partial: the format byte (1), the
 * partition (Uint32), the watermark and window end (Float64; an unknown watermark is
 * -Infinity as it is), the group id (its UTF-8 length as Uint16, then its bytes), the
 * ten counts (Uint32, `COUNTS`), the ten exact sums (`PARTIAL_SUMS`: each its number of terms
 * as Uint16, then the terms), a flags byte for voltageMin and voltageMax, and those
 * present (Float64). A progress marker: the format byte (2), the partition (Uint32),
 * the watermark and `through` (Float64), idle (a byte). Sums travel as their exact terms,
 * so merging stays exact. Binary rather than JSON: a third of the bytes, written and read
 * again in less than half the time (benchmarks/RESULTS.md, "The scaled-out topics in binary").
 */
export function encodePartialRecord(record: PartialRecord): Buffer {
  if (record.kind === 'progress') {
    const { marker } = record;
    const out = Buffer.allocUnsafe(PROGRESS_BYTES);
    out[0] = PROGRESS;
    out.writeUInt32LE(marker.partition, 1);
    out.writeDoubleLE(marker.watermark, 5);
    out.writeDoubleLE(marker.through, 13);
    out[21] = marker.idle ? 1 : 0;
    return out;
  }
  const { partial } = record;
  const idBytes = Buffer.byteLength(partial.groupId, 'utf8');
  let size = PARTIAL_HEAD + idBytes + 4 * COUNTS.length + 1;
  for (const sum of PARTIAL_SUMS) size += 2 + 8 * partial[sum].length;
  if (partial.voltageMin !== null) size += 8;
  if (partial.voltageMax !== null) size += 8;
  const out = Buffer.allocUnsafe(size);
  out[0] = PARTIAL;
  out.writeUInt32LE(partial.partition, 1);
  out.writeDoubleLE(partial.watermark, 5);
  out.writeDoubleLE(partial.windowEnd, 13);
  out.writeUInt16LE(idBytes, 21);
  let at = PARTIAL_HEAD + out.write(partial.groupId, PARTIAL_HEAD, 'utf8');
  for (const count of COUNTS) at = out.writeUInt32LE(partial[count], at);
  for (const sum of PARTIAL_SUMS) {
    const terms = partial[sum];
    at = out.writeUInt16LE(terms.length, at);
    for (const term of terms) at = out.writeDoubleLE(term, at);
  }
  out[at++] =
    (partial.voltageMin !== null ? VOLTAGE_MIN : 0) | (partial.voltageMax !== null ? VOLTAGE_MAX : 0);
  if (partial.voltageMin !== null) at = out.writeDoubleLE(partial.voltageMin, at);
  if (partial.voltageMax !== null) out.writeDoubleLE(partial.voltageMax, at);
  return out;
}

/** A record as `encodePartialRecord` writes it, or (written by an older version) as JSON. */
export function decodePartialRecord(bytes: Buffer): PartialRecord {
  if (bytes[0] === JSON_OPEN) return decodeJson(bytes);
  if (bytes[0] === PROGRESS && bytes.length === PROGRESS_BYTES && bytes[21]! <= 1)
    return {
      kind: 'progress',
      marker: {
        partition: bytes.readUInt32LE(1),
        watermark: bytes.readDoubleLE(5),
        through: bytes.readDoubleLE(13),
        idle: bytes[21] === 1,
      },
    };
  if (bytes[0] === PARTIAL && bytes.length >= PARTIAL_HEAD) return decodePartial(bytes);
  throw new PartialRecordError(`unknown record of ${bytes.length} bytes, first byte ${bytes[0]}`);
}

function decodePartial(bytes: Buffer): PartialRecord {
  const idEnd = PARTIAL_HEAD + bytes.readUInt16LE(21);
  if (idEnd + 4 * COUNTS.length > bytes.length) throw cutShort(bytes, idEnd);
  const partial = emptyPartial(
    bytes.readUInt32LE(1),
    bytes.readDoubleLE(5),
    bytes.toString('utf8', PARTIAL_HEAD, idEnd),
    bytes.readDoubleLE(13),
  );
  let at = idEnd;
  for (const count of COUNTS) {
    partial[count] = bytes.readUInt32LE(at);
    at += 4;
  }
  for (const sum of PARTIAL_SUMS) {
    if (at + 2 > bytes.length) throw cutShort(bytes, at);
    const n = bytes.readUInt16LE(at);
    at += 2;
    if (at + 8 * n > bytes.length) throw cutShort(bytes, at);
    const terms = partial[sum];
    for (let i = 0; i < n; i++, at += 8) terms.push(bytes.readDoubleLE(at));
  }
  if (at >= bytes.length) throw cutShort(bytes, at);
  const flags = bytes[at++]!;
  const voltages = (flags & VOLTAGE_MIN ? 8 : 0) + (flags & VOLTAGE_MAX ? 8 : 0);
  if (flags > (VOLTAGE_MIN | VOLTAGE_MAX) || at + voltages !== bytes.length)
    throw new PartialRecordError(
      `partial of group ${partial.groupId}: ${bytes.length} bytes, not ${at + voltages}`,
    );
  if (flags & VOLTAGE_MIN) {
    partial.voltageMin = bytes.readDoubleLE(at);
    at += 8;
  }
  if (flags & VOLTAGE_MAX) {
    partial.voltageMax = bytes.readDoubleLE(at);
  }
  return { kind: 'partial', partial };
}

function cutShort(bytes: Buffer, at: number): PartialRecordError {
  return new PartialRecordError(`partial of ${bytes.length} bytes cut short at byte ${at}`);
}

/** JSON has no infinities: an unknown watermark (-Infinity) travelled as null. */
const orMinusInfinity = (x: unknown) => (typeof x === 'number' ? x : -Infinity);

/** A record as versions before the binary forms wrote it. */
function decodeJson(bytes: Buffer): PartialRecord {
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
