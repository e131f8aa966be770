import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session, drainPending } from 'chdb';
import { insertTexts } from '../../../../pipelines/io/clickhouse/jsonEachRow';
import { loadMigrations } from '../../../../pipelines/io/clickhouse/migrations';
import { RowBinaryFileInserts } from '../../../../pipelines/io/clickhouse/rowBinaryFileInserts';
import {
  StoredReading,
  TELEMETRY_COLUMNS,
  TelemetryRows,
} from '../../../../pipelines/io/clickhouse/telemetryRows';
import { readRowBinary } from '../../../support/rowBinaryReader';
import { reading } from '../../../support/readings';

const MB = 1024 * 1024;
const T = 1_767_225_600_000;

/** Stored readings with values at the edges of what a validated reading can hold. */
const STORED: StoredReading[] = Array.from({ length: 400 }, (_, i) => ({
  reading: reading(
    // ASCII, other scripts, and ids past the one-byte length prefix (over 127 bytes).
    [`der-${i}`, `wechselrichter-ü-${i}`, `逆变器-${'ü'.repeat(i % 90)}-${i}`][i % 3]!,
    // Before 1900 and negative: a validated ts is any safe integer in the past.
    [T + i, 0, -1, -3_000_000_000_000 - i, -2_208_988_800_001][i % 5]!,
    {
      activePower: [4200.5, -7400, 0, -0, 1e-300, -1.7976931348623157e308][i % 6]!,
      reactivePower: i % 2 ? null : -i * 0.125,
      voltage: i % 3 ? 230 + i / 1000 : null,
      stateOfCharge: i % 4 ? null : (i % 101) / 1.01,
      maxActivePower: i % 5 ? 5000 : null,
      minActivePower: i % 7 ? null : -0,
      connected: i % 11 !== 0,
    },
  ),
  disposition: i % 9 ? 'valid' : 'late',
  partition: [0, 11, 65_535][i % 3]!,
  offset: [i, Number.MAX_SAFE_INTEGER - i, 0][i % 3]!,
  index: [0, i, 4_294_967_295][i % 3]!,
  receivedAt: T + 1000 + i,
}));

/** The row the sink used to insert as JSON for a stored reading. */
const jsonRow = ({ reading: r, disposition, partition, offset, index, receivedAt }: StoredReading) => ({
  device_id: r.deviceId,
  ts: r.ts,
  active_power: r.activePower,
  reactive_power: r.reactivePower,
  voltage: r.voltage,
  state_of_charge: r.stateOfCharge,
  max_active_power: r.maxActivePower,
  min_active_power: r.minActivePower,
  connected: r.connected,
  disposition,
  source_partition: partition,
  source_offset: offset,
  source_index: index,
  received_at: receivedAt,
});

describe('TelemetryRows', () => {
  it('holds each row in the columns order, as RowBinary reads back', () => {
    const rows = TelemetryRows.joined([TelemetryRows.of(STORED)]);
    expect(rows.count).toBe(STORED.length);
    expect(rows.columns.map((c) => c.name)).toEqual(Object.keys(jsonRow(STORED[0]!)));
    // -0 is written as 0, as JSON writes it.
    const withoutNegativeZero = (row: object) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'number' ? v + 0 : v]));
    expect(readRowBinary(rows)).toEqual(STORED.map(jsonRow).map(withoutNegativeZero));
  });

  it('joins parts without copying them, leaving out empty ones', () => {
    const parts = [
      TelemetryRows.of(STORED.slice(0, 7)),
      new TelemetryRows(),
      TelemetryRows.of(STORED.slice(7)),
    ];
    const joined = TelemetryRows.joined(parts);
    expect(joined.count).toBe(STORED.length);
    expect(joined.chunks).toHaveLength(2);
    expect(readRowBinary(joined)).toEqual(readRowBinary(TelemetryRows.joined([TelemetryRows.of(STORED)])));
    expect(TelemetryRows.joined([new TelemetryRows()])).toEqual({
      columns: TELEMETRY_COLUMNS,
      chunks: [],
      count: 0,
    });
  });
});

describe('TelemetryRows inserted into chDB', () => {
  const path = mkdtempSync(join(tmpdir(), 'derstream-chdb-telemetry-rows-'));
  let session: Session;
  let inserts: RowBinaryFileInserts;
  const all = (table: string) => session.query(`SELECT * FROM ${table} ORDER BY ALL FORMAT JSONEachRow`);
  const count = (sql: string) => Number(session.query(sql, 'CSV').trim());

  beforeAll(async () => {
    await drainPending();
    session = new Session(path);
    for (const migration of loadMigrations())
      for (const statement of migration.statements) session.query(statement);
    session.query('CREATE TABLE telemetry_json AS telemetry');
    for (const text of insertTexts(STORED.map(jsonRow)))
      await session.insert({
        table: 'telemetry_json',
        values: text.text,
        format: text.format,
        ...(text.format === 'JSONCompactEachRow' ? { columns: text.columns } : {}),
      });
    inserts = RowBinaryFileInserts.open(session, RowBinaryFileInserts.directoryFor(path));
  });
  afterAll(async () => {
    session.close();
    await drainPending();
  });
  beforeEach(() => session.query('TRUNCATE TABLE telemetry'));

  it('stores what the same rows inserted as JSON store', async () => {
    await inserts.insertRows('telemetry', TelemetryRows.joined([TelemetryRows.of(STORED)]), MB);
    expect(count('SELECT count() FROM telemetry')).toBe(STORED.length);
    expect(all('telemetry')).toBe(all('telemetry_json'));
    expect(readdirSync(join(path, 'derstream-inserts'))).toEqual([]);
  });

  it('inserts parts in statements of about maxBytes, every row once', async () => {
    // Parts over 4 KiB alone, a part of one row, an empty part: each grouping case.
    const ends = [50, 51, 51, 200, 210, 400];
    const parts = ends.map((end, i) => TelemetryRows.of(STORED.slice(i === 0 ? 0 : ends[i - 1], end)));
    await inserts.insertRows('telemetry', TelemetryRows.joined(parts), 4096);
    expect(count('SELECT count() FROM telemetry')).toBe(STORED.length);
    expect(all('telemetry')).toBe(all('telemetry_json'));
  });

  it('keeps both rows of one key in one insert until a merge or FINAL collapses them', async () => {
    const twice = TelemetryRows.of([STORED[1]!, STORED[1]!]);
    await inserts.insertRows('telemetry', TelemetryRows.joined([twice]), MB);
    expect(count('SELECT count() FROM telemetry')).toBe(2);
    expect(count('SELECT count() FROM telemetry FINAL')).toBe(1);
  });
});
