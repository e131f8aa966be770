import { DerstreamError } from '../errors';
import { canonicalReading, NULLABLE_FIELDS, TelemetryReading } from '../telemetryReading';

/**
 * One record of the scaled-out changelog `der.device-readings` (key = device mRID): a
 * device's latest reading below a committed telemetry offset, and the offset it was
 * read at. A restore takes, per device, the newest record below its partition's
 * committed offset.
 */
export interface DeviceReadingRecord {
  offset: bigint;
  reading: TelemetryReading;
}

/** A changelog record no derstream wrote: the topic is internal, so this is a bug, not bad input. */
export class DeviceReadingRecordError extends DerstreamError {
  constructor(detail: string) {
    super('DEVICE_READING_RECORD_INVALID', `device readings changelog: ${detail}`, false);
  }
}

/**
 * The binary form's first byte. Records written before it are JSON, whose first byte is
 * `{`: a restore reads both, so a changelog written by an older version still restores.
 */
const BINARY = 1;
const JSON_OPEN = 0x7b;
/** Format, offset, ts, activePower, flags; then 8 bytes for each nullable field present. */
const FIXED_BYTES = 1 + 8 + 8 + 8 + 1;
/** In the flags, then a bit for each of NULLABLE_FIELDS, in its order: set when the field is not null. */
const CONNECTED = 1;

/**
 * The record as its value: the format byte, the offset (Int64), `ts` and `activePower`
 * (Float64), a flags byte (connected, then which nullable fields follow), those fields
 * (Float64), all little-endian; 26 to 66 bytes. The device id is the record's key, not
 * repeated. Binary rather than JSON: an instance writes up to one a device a window, and
 * as JSON (about 220 bytes against 57) they were the largest cost a scaled-out instance
 * has that one instance has not (benchmarks/RESULTS.md, "The scaled-out topics in binary").
 */
export function encodeDeviceReading({ offset, reading }: DeviceReadingRecord): Buffer {
  let flags = reading.connected ? CONNECTED : 0;
  let size = FIXED_BYTES;
  for (let i = 0; i < NULLABLE_FIELDS.length; i++) {
    if ((reading[NULLABLE_FIELDS[i]!] ?? null) === null) continue;
    flags |= 2 << i;
    size += 8;
  }
  const out = Buffer.allocUnsafe(size);
  out[0] = BINARY;
  out.writeBigInt64LE(offset, 1);
  out.writeDoubleLE(reading.ts, 9);
  out.writeDoubleLE(reading.activePower, 17);
  out[25] = flags;
  let at = FIXED_BYTES;
  for (let i = 0; i < NULLABLE_FIELDS.length; i++) {
    const value = reading[NULLABLE_FIELDS[i]!] ?? null;
    if (value === null) continue;
    out.writeDoubleLE(value, at);
    at += 8;
  }
  return out;
}

/** The record with key `deviceId` and value `value`, binary or (written by an older version) JSON. */
export function decodeDeviceReading(deviceId: string, value: Buffer): DeviceReadingRecord {
  if (value[0] === JSON_OPEN) return decodeJson(deviceId, value);
  if (value[0] !== BINARY || value.length < FIXED_BYTES)
    throw new DeviceReadingRecordError(`record of device ${deviceId} is neither of its formats`);
  const flags = value[25]!;
  let size = FIXED_BYTES;
  for (let i = 0; i < NULLABLE_FIELDS.length; i++) if (flags & (2 << i)) size += 8;
  if (flags >> (NULLABLE_FIELDS.length + 1) !== 0 || value.length !== size)
    throw new DeviceReadingRecordError(`record of device ${deviceId} has ${value.length} bytes, not ${size}`);
  const nullable: (number | null)[] = [];
  let at = FIXED_BYTES;
  for (let i = 0; i < NULLABLE_FIELDS.length; i++) {
    if (flags & (2 << i)) {
      nullable.push(value.readDoubleLE(at));
      at += 8;
    } else nullable.push(null);
  }
  return {
    offset: value.readBigInt64LE(1),
    reading: {
      deviceId,
      ts: value.readDoubleLE(9),
      activePower: value.readDoubleLE(17),
      reactivePower: nullable[0]!,
      voltage: nullable[1]!,
      stateOfCharge: nullable[2]!,
      maxActivePower: nullable[3]!,
      minActivePower: nullable[4]!,
      connected: (flags & CONNECTED) !== 0,
    },
  };
}

/** `{"offset": "<decimal>", "reading": {…canonical fields}}`, as versions before the binary form wrote. */
function decodeJson(deviceId: string, value: Buffer): DeviceReadingRecord {
  let record: { offset?: unknown; reading?: unknown };
  try {
    record = JSON.parse(value.toString()) as typeof record;
  } catch {
    throw new DeviceReadingRecordError(`record of device ${deviceId} is not JSON`);
  }
  const { offset, reading } = record;
  if (typeof offset !== 'string' || !/^\d+$/.test(offset) || typeof reading !== 'object' || reading === null)
    throw new DeviceReadingRecordError(`record of device ${deviceId} has no offset or reading`);
  return { offset: BigInt(offset), reading: canonicalReading(reading as TelemetryReading) };
}
