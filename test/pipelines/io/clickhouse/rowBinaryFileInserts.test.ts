import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session, drainPending } from 'chdb';
import { insertTexts } from '../../../../pipelines/io/clickhouse/jsonEachRow';
import { loadMigrations } from '../../../../pipelines/io/clickhouse/migrations';
import { encodeRowBinary } from '../../../../pipelines/io/clickhouse/rowBinary';
import {
  RowBinaryFileInserts,
  unwrittenChunks,
} from '../../../../pipelines/io/clickhouse/rowBinaryFileInserts';
import { TELEMETRY_COLUMNS } from '../../../../pipelines/io/clickhouse/telemetryRows';

const MB = 1024 * 1024;
const T = 1_767_225_600_000;

/** Rows of each table the sink writes, with the values at the edges of their types. */
const ROWS: Record<string, object[]> = {
  telemetry: Array.from({ length: 300 }, (_, i) => ({
    device_id: i === 0 ? '' : `inverter-${'ü'.repeat(i % 70)}-${i}`,
    ts: [T + i, -2_208_988_800_000, 10_413_791_999_999, 0, -1][i % 5]!,
    active_power: [4200.5, -7400, 0, -0, 1e-300, 1.7976931348623157e308][i % 6]!,
    reactive_power: i % 2 ? null : -i * 0.125,
    voltage: i % 3 ? 230 + i / 1000 : null,
    state_of_charge: i % 4 ? null : i / 3,
    max_active_power: 5000,
    min_active_power: i % 5 ? null : -5000,
    connected: i % 7 !== 0,
    disposition: i % 9 ? 'valid' : 'late',
    source_partition: i % 65_536,
    source_offset: [i, Number.MAX_SAFE_INTEGER, 0][i % 3]!,
    source_index: [0, 4_294_967_295][i % 2]!,
    received_at: T + 1000 + i,
  })),
  group_statuses: Array.from({ length: 50 }, (_, i) => ({
    group_id: `feeder-${i}`,
    window_start: T + i * 60_000,
    window_end: T + (i + 1) * 60_000,
    version: i % 3,
    members: 1000 + i,
    reporting: 900,
    fresh: 800,
    stale: 100,
    silent: 100 + i,
    connected: 850,
    active_power: i * 1234.5678,
    reactive_power: i % 2 ? null : i,
    max_active_power: 1e6,
    min_active_power: -1e6,
    headroom_up: i % 3 ? null : 10.5,
    headroom_down: null,
    state_of_charge: 55.25,
    stored_energy: i % 4 ? 1e5 : null,
    voltage_min: 225.5,
    voltage_max: 240.125,
    emitted_at: T + i,
  })),
  group_forecasts: Array.from({ length: 96 }, (_, i) => ({
    group_id: 'feeder-1',
    parameter: i % 2 ? 'activePower' : 'stateOfCharge',
    issued_at: T,
    interval_number: i,
    method: 'seasonalNaive',
    interval_start: T + i * 900_000,
    interval_ms: 900_000,
    p10: i - 0.5,
    p50: i,
    p90: i + 0.5,
  })),
  forecast_errors: Array.from({ length: 40 }, (_, i) => ({
    group_id: 'feeder-2',
    parameter: 'activePower',
    method: i % 2 ? 'persistence' : 'seasonalNaive',
    issued_at: T,
    interval_number: i,
    interval_start: T + i * 900_000,
    actual: i * 3,
    p10: 1,
    p50: 2,
    p90: 3,
    error: -i / 9,
  })),
  group_membership_history: Array.from({ length: 60 }, (_, i) => ({
    group_id: `feeder-${i % 4}`,
    effective_from: T + i,
    deleted: i % 11 === 0,
    name: i % 5 ? `Feeder «${i}»` : null,
    'members.device_id': Array.from({ length: i % 4 }, (_, j) => `battery-${i}-${j}`),
    'members.rated_power': Array.from({ length: i % 4 }, (_, j) => (j % 2 ? 5000 : null)),
    'members.rated_energy': Array.from({ length: i % 4 }, (_, j) => (j % 3 ? 13_500 : null)),
    der_function: i % 2 ? ['rampRateControl', 'connectDisconnect'] : [],
    source_partition: i % 3,
    source_offset: i * 1_000_003,
    recorded_at: T + 10 * i,
  })),
};

describe('unwrittenChunks', () => {
  const chunks = [Buffer.from('abc'), Buffer.from(''), Buffer.from('defg'), Buffer.from('h')];
  const left = (written: number) =>
    unwrittenChunks(chunks, written)
      .map((chunk) => chunk.toString())
      .join('|');

  it('leaves the bytes after those written, in their chunks, whether the write stopped mid-chunk or between', () => {
    expect(left(0)).toBe('abc||defg|h');
    expect(left(2)).toBe('c||defg|h');
    expect(left(3)).toBe('defg|h');
    expect(left(5)).toBe('fg|h');
    expect(left(7)).toBe('h');
    expect(unwrittenChunks(chunks, 8)).toEqual([]);
  });

  it('shares the memory of the chunks it was given (no copy of what is left)', () => {
    const [rest] = unwrittenChunks(chunks, 5);
    expect(rest!.buffer).toBe(chunks[2]!.buffer);
    expect(rest!.byteOffset).toBe(chunks[2]!.byteOffset + 2);
  });
});

describe('RowBinaryFileInserts (chDB)', () => {
  const path = mkdtempSync(join(tmpdir(), 'derstream-chdb-rowbinary-'));
  let session: Session;
  let inserts: RowBinaryFileInserts;
  const leftOver = () => readdirSync(join(path, 'derstream-inserts'));
  const all = (table: string) => session.query(`SELECT * FROM ${table} ORDER BY ALL FORMAT JSONEachRow`);

  beforeAll(async () => {
    await drainPending();
    session = new Session(path);
    for (const migration of loadMigrations())
      for (const statement of migration.statements) session.query(statement);
    for (const table of Object.keys(ROWS)) session.query(`CREATE TABLE ${table}_json AS ${table}`);
    inserts = RowBinaryFileInserts.open(session, RowBinaryFileInserts.directoryFor(path));
  });
  afterAll(async () => {
    session.close();
    await drainPending();
  });

  it.each(Object.keys(ROWS))('stores in %s what the same rows inserted as JSON store', async (table) => {
    const rows = ROWS[table]!;
    expect(await inserts.insert(table, rows, MB)).toBe(true);
    for (const text of insertTexts(rows))
      await session.insert({
        table: `${table}_json`,
        values: text.text,
        format: text.format,
        ...(text.format === 'JSONCompactEachRow' ? { columns: text.columns } : {}),
      });
    const stored = all(table);
    expect(stored.split('\n').filter(Boolean)).toHaveLength(rows.length);
    expect(stored).toBe(all(`${table}_json`));
    expect(leftOver()).toEqual([]);
  });

  it('inserts in several statements of about maxBytes, every row once', async () => {
    session.query('TRUNCATE TABLE telemetry');
    expect(await inserts.insert('telemetry', ROWS.telemetry!, 4096)).toBe(true);
    expect(session.query('SELECT count() FROM telemetry', 'CSV').trim()).toBe(String(ROWS.telemetry!.length));
    expect(all('telemetry')).toBe(all('telemetry_json'));
  });

  it('writes an insert of more chunks than one vectored write takes (IOV_MAX, 1024) whole', async () => {
    session.query('TRUNCATE TABLE telemetry');
    session.query('TRUNCATE TABLE telemetry_json');
    // A consumer batch's rows are one chunk, so a live insert is thousands of them.
    const rows = Array.from({ length: 3000 }, (_, i) => ({ ...ROWS.telemetry![i % 300]!, source_offset: i }));
    const chunks = rows.flatMap((row) => encodeRowBinary([row], TELEMETRY_COLUMNS, MB)!);
    expect(chunks).toHaveLength(rows.length);
    await inserts.insertRows(
      'telemetry',
      { columns: TELEMETRY_COLUMNS, chunks, count: rows.length },
      64 * MB,
    );
    for (const text of insertTexts(rows))
      await session.insert({
        table: 'telemetry_json',
        values: text.text,
        format: text.format,
        ...(text.format === 'JSONCompactEachRow' ? { columns: text.columns } : {}),
      });
    expect(session.query('SELECT count() FROM telemetry', 'CSV').trim()).toBe(String(rows.length));
    expect(all('telemetry')).toBe(all('telemetry_json'));
    expect(leftOver()).toEqual([]);
  });

  it('leaves rows it is not for to the caller, having inserted nothing', async () => {
    const [first, second] = ROWS.group_statuses! as Record<string, unknown>[];
    session.query('TRUNCATE TABLE group_statuses');
    const { reactive_power: _, ...shorter } = second!;
    expect(await inserts.insert('group_statuses', [first!, shorter], MB)).toBe(false);
    expect(await inserts.insert('group_statuses', [{ ...first!, no_such_column: 1 }], MB)).toBe(false);
    expect(await inserts.insert('group_statuses', [{ ...first!, active_power: Number.NaN }], MB)).toBe(false);
    expect(
      await inserts.insert('group_statuses', [{ ...first!, emitted_at: '2026-01-01 00:00:00' }], MB),
    ).toBe(false);
    expect(await inserts.insert('no_such_table', [first!], MB)).toBe(false);
    expect(await inserts.insert('group_statuses', [], MB)).toBe(false);
    expect(session.query('SELECT count() FROM group_statuses', 'CSV').trim()).toBe('0');
  });

  it("passes on ClickHouse's refusal and removes the file it wrote", async () => {
    session.query(
      'CREATE TABLE checked (n Int32, CONSTRAINT positive CHECK n > 0) ENGINE = MergeTree ORDER BY n',
    );
    await expect(inserts.insert('checked', [{ n: 1 }, { n: -1 }], MB)).rejects.toThrow(/positive/);
    expect(leftOver()).toEqual([]);
    expect(session.query('SELECT count() FROM checked', 'CSV').trim()).toBe('0');
  });

  it('asks for the columns again once told they may have changed', async () => {
    session.query('CREATE TABLE altered (n Int32) ENGINE = MergeTree ORDER BY n');
    expect(await inserts.insert('altered', [{ n: 1 }], MB)).toBe(true);
    session.query("ALTER TABLE altered ADD COLUMN label String DEFAULT 'none'");
    expect(await inserts.insert('altered', [{ n: 2, label: 'two' }], MB)).toBe(false);
    inserts.forgetColumns();
    expect(await inserts.insert('altered', [{ n: 3, label: 'three' }], MB)).toBe(true);
    expect(session.query('SELECT n, label FROM altered ORDER BY n', 'CSV')).toBe('1,"none"\n3,"three"\n');
  });
});
