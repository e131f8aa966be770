import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../../support/cli';
import { ClickhouseQueryError, ConfigError, ServiceUnavailableError } from '../../../../pipelines/errors';
import { parseClickhouseConfig } from '../../../../pipelines/io/clickhouse/clickhouseConfig';
import { ClickhouseExecutor, openClickhouse } from '../../../../pipelines/io/clickhouse/clickhouseExecutor';
import {
  MigrationChangedError,
  loadMigrations,
  migrate,
} from '../../../../pipelines/io/clickhouse/migrations';

describe('ClickHouse through the chDB executor', () => {
  let clickhouse: ClickhouseExecutor;
  const path = mkdtempSync(join(tmpdir(), 'derstream-chdb-'));

  beforeAll(async () => {
    clickhouse = await openClickhouse(parseClickhouseConfig({ DERSTREAM_CHDB_PATH: path }));
  });
  afterAll(async () => {
    await clickhouse.close();
  });

  const tables = () =>
    clickhouse.query<{ name: string; create: string }>(
      `SELECT name, create_table_query AS create FROM system.tables WHERE database = currentDatabase() ORDER BY name`,
    );

  it('applies every migration once, and a second run leaves the same tables', async () => {
    const all = loadMigrations().map((migration) => migration.version);
    expect(await migrate(clickhouse)).toEqual(all);
    const first = await tables();
    expect(first.map((table) => table.name)).toEqual(
      expect.arrayContaining([
        'group_membership_history',
        'group_statuses',
        'schema_migrations',
        'telemetry',
      ]),
    );
    expect(await migrate(clickhouse)).toEqual([]);
    expect(await tables()).toEqual(first);
    const recorded = await clickhouse.query<{ version: number }>(
      'SELECT version FROM schema_migrations FINAL ORDER BY version',
    );
    expect(recorded.map((row) => row.version)).toEqual(all);
  });

  it('has telemetry merged column by column (vertical merges), whatever its column count, ten parts or more at once', async () => {
    await migrate(clickhouse);
    const [telemetry] = (await tables()).filter((table) => table.name === 'telemetry');
    expect(telemetry!.create).toMatch(/SETTINGS .*vertical_merge_algorithm_min_columns_to_activate = 1\b/);
    expect(telemetry!.create).toMatch(/SETTINGS .*min_parts_to_merge_at_once = 10\b/);
  });

  it('refuses to run when an applied migration was edited', async () => {
    const [first, ...rest] = loadMigrations();
    await expect(migrate(clickhouse, [{ ...first!, checksum: 'f'.repeat(64) }, ...rest])).rejects.toThrow(
      MigrationChangedError,
    );
  });

  it('returns what was inserted: DateTime64, LowCardinality and Nullable columns', async () => {
    const rows = [
      {
        device_id: 'd1',
        ts: 1_767_225_600_123,
        active_power: 4200.5,
        reactive_power: null,
        voltage: 231.2,
        state_of_charge: null,
        max_active_power: 5000,
        min_active_power: null,
        connected: true,
        disposition: 'valid',
        source_partition: 3,
        source_offset: 17,
        source_index: 0,
        received_at: 1_767_225_601_000,
      },
      {
        device_id: 'd2',
        ts: 1_767_225_659_999,
        active_power: -7400,
        reactive_power: -12.25,
        voltage: null,
        state_of_charge: 55.5,
        max_active_power: 0,
        min_active_power: -7400,
        connected: false,
        disposition: 'late',
        source_partition: 11,
        source_offset: 9_007_199_254_740_991,
        source_index: 2,
        received_at: 1_767_225_800_000,
      },
    ];
    await clickhouse.insert('telemetry', rows);
    const back = await clickhouse.query<Record<string, unknown>>(
      `SELECT * EXCEPT (ts, received_at), toUnixTimestamp64Milli(ts) AS ts, toUnixTimestamp64Milli(received_at) AS received_at,
              toTypeName(t.disposition) AS disposition_type, toTypeName(t.voltage) AS voltage_type, toTypeName(t.ts) AS ts_type
       FROM telemetry AS t WHERE device_id IN {ids:Array(String)} ORDER BY device_id`,
      { ids: ['d1', 'd2'] },
    );
    expect(back).toEqual(
      rows.map((row) => ({
        ...row,
        disposition_type: 'LowCardinality(String)',
        voltage_type: 'Nullable(Float64)',
        ts_type: "DateTime64(3, 'UTC')",
      })),
    );
  });

  /** A valid reading's telemetry row without `source_index` (its column's default is 0). */
  const telemetryRow = {
    device_id: 'd3',
    ts: 1_767_225_600_000,
    active_power: 1,
    reactive_power: null as number | null,
    voltage: null,
    state_of_charge: null,
    max_active_power: null,
    min_active_power: null,
    connected: true,
    disposition: 'valid',
    source_partition: 0,
    source_offset: 1,
    received_at: 1_767_225_600_000,
  };

  it('writing the same telemetry offsets twice keeps one row per offset', async () => {
    await clickhouse.insert('telemetry', [telemetryRow]);
    await clickhouse.insert('telemetry', [telemetryRow]);
    const [count] = await clickhouse.query<{ n: number }>(
      `SELECT count() AS n FROM telemetry FINAL WHERE device_id = 'd3'`,
    );
    expect(count!.n).toBe(1);
  });

  it('takes rows of different shapes in one insert, a column left out at its default', async () => {
    const row = {
      ...telemetryRow,
      device_id: 'd4',
      active_power: 2,
      reactive_power: 1.5,
      source_partition: 1,
      source_offset: 40,
      source_index: 3,
    };
    const { reactive_power: _, source_index: __, ...shorter } = row;
    await clickhouse.insert('telemetry', [row, { ...shorter, device_id: 'd5', source_offset: 41 }]);
    const back = await clickhouse.query<Record<string, unknown>>(
      `SELECT device_id, reactive_power, source_index, source_offset FROM telemetry FINAL
       WHERE device_id IN ('d4', 'd5') ORDER BY device_id`,
    );
    expect(back).toEqual([
      { device_id: 'd4', reactive_power: 1.5, source_index: 3, source_offset: 40 },
      { device_id: 'd5', reactive_power: null, source_index: 0, source_offset: 41 },
    ]);
  });

  it("refuses a path that ClickHouse's file() would read as a glob, before opening anything", async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'derstream-chdb-')), 'data[1]');
    const failure = openClickhouse(parseClickhouseConfig({ DERSTREAM_CHDB_PATH: path }));
    await expect(failure).rejects.toThrow(ConfigError);
    await expect(failure).rejects.toThrow(/^DERSTREAM_CHDB_PATH: .*data\[1\] has a character/);
    expect(existsSync(path)).toBe(false);
  });

  it('says, when another process holds the directory, what to do about it', () => {
    // This process holds `path`; a second one, as `derstream statuses` beside a run, cannot.
    const script = `require('./pipelines/io/clickhouse/clickhouseExecutor')
      .openClickhouse({ kind: 'chdb', path: ${JSON.stringify(path)}, database: 'derstream' })
      .then(() => console.log('opened'), (error) => console.log(error.message));`;
    const second = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(second.stdout).toMatch(
      /^clickhouse \(DERSTREAM_CHDB_PATH\): cannot open chDB at .*: .*; chDB serves one process per data directory: if another \(a `derstream run`\) has it, stop that one, or read through its HTTP API \(\/api\/statuses\)$/m,
    );
  });

  it('reports a statement ClickHouse refuses as a ClickhouseQueryError, not retriable', async () => {
    const failure = clickhouse.query('SELECT no_such_column FROM telemetry');
    await expect(failure).rejects.toThrow(ClickhouseQueryError);
    await expect(failure).rejects.toMatchObject({
      retriable: false,
      message: expect.stringContaining('no_such_column'),
    });
  });
});

describe('ClickHouse through the server executor', () => {
  it('names DERSTREAM_CLICKHOUSE_URL when no server answers there', async () => {
    const config = parseClickhouseConfig({ DERSTREAM_CLICKHOUSE_URL: 'http://127.0.0.1:1' });
    const failure = openClickhouse(config);
    await expect(failure).rejects.toThrow(ServiceUnavailableError);
    await expect(failure).rejects.toMatchObject({
      retriable: true,
      message: expect.stringMatching(
        /^clickhouse \(DERSTREAM_CLICKHOUSE_URL\): no ClickHouse server answers at http:\/\/127\.0\.0\.1:1/,
      ),
    });
  });

  it('refuses credentials in the URL, where they would reach logs', () => {
    expect(() =>
      parseClickhouseConfig({ DERSTREAM_CLICKHOUSE_URL: 'http://user:secret@127.0.0.1:8123' }),
    ).toThrow(/DERSTREAM_CLICKHOUSE_URL: must not carry credentials/);
  });
});
