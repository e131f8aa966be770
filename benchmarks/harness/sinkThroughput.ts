import { createFleet, fleetReadings } from '../simulator/fleet';
import { GroupStatus } from '../../pipelines/aggregate/groupStatus';
import { ClickhouseExecutor, openClickhouse } from '../../pipelines/io/clickhouse/clickhouseExecutor';
import { ClickhouseSink } from '../../pipelines/io/clickhouse/clickhouseSink';
import { TelemetryRows } from '../../pipelines/io/clickhouse/telemetryRows';
import { TelemetryReading } from '../../pipelines/telemetryReading';
import { migrate } from '../../pipelines/io/clickhouse/migrations';
import { ClickhouseConfig } from '../../pipelines/io/clickhouse/clickhouseConfig';
import { EMISSION, readingsPerWindow } from './fleetProduction';
import { progressBar } from './progressBar';

export interface InsertFigures {
  rows: number;
  inserts: number;
  ms: number;
  rowsPerSecond: number;
}

export interface SinkFigures {
  telemetry: {
    sink: InsertFigures;
    /** `INSERT INTO telemetry SELECT … FROM numbers(R)`, one statement. */
    ceiling: InsertFigures;
    /** The same, in statements of the sink's batch size. */
    ceilingBatched: InsertFigures;
    /** sink / ceiling. */
    ratio: number;
    /** sink / ceilingBatched: the same number of inserts, so what is left is making and reading the rows. */
    ratioBatched: number;
  };
  statuses: {
    sink: InsertFigures;
    ceiling: InsertFigures;
    ceilingBatched: InsertFigures;
    ratio: number;
    ratioBatched: number;
  };
  /** Rows counted in each table after each phase (equal to what was inserted). */
  stored: { telemetry: number[]; statuses: number[] };
}

export interface SinkSpec {
  devices: number;
  groups: number;
  /** Telemetry rows. */
  readings: number;
  /** Telemetry rows per insert; statuses go one window (all groups) per insert, as the pipeline writes them. */
  batch: number;
  seed: number;
  windowMs: number;
}

/**
 * The ClickHouse sink (`writeTelemetry`: rows written as RowBinary as they are read;
 * `writeStatuses`: rows as objects) against what chDB inserts into the same tables on
 * its own, with no JavaScript in the loop: `INSERT … SELECT … FROM numbers()`. Each
 * phase starts from an empty table. Timed: the inserts, and for telemetry writing the
 * readings' rows too; not the simulator making the readings.
 */
export async function sinkThroughput(
  clickhouseConfig: ClickhouseConfig,
  spec: SinkSpec,
  options: { quiet?: boolean } = {},
): Promise<SinkFigures> {
  const clickhouse = await openClickhouse(clickhouseConfig);
  try {
    await migrate(clickhouse);
    const sink = new ClickhouseSink(clickhouse);
    const stored = { telemetry: [] as number[], statuses: [] as number[] };
    const count = async (table: 'telemetry' | 'group_statuses') =>
      Number((await clickhouse.query<{ n: number }>(`SELECT count() AS n FROM ${table}`))[0]!.n);

    // Raw telemetry through the sink, from the simulator.
    const fleet = createFleet({ devices: spec.devices, groups: spec.groups, seed: spec.seed });
    const end = Math.floor(Date.now() / spec.windowMs) * spec.windowMs;
    const start =
      end - (Math.ceil(spec.readings / readingsPerWindow(fleet, spec.windowMs)) + 2) * spec.windowMs;
    const readings = fleetReadings(fleet, { ...EMISSION, seed: spec.seed + 1, start, end });
    await clickhouse.command('TRUNCATE TABLE telemetry');
    const telemetrySink = await timed('sink telemetry', spec.readings, options, async (insert) => {
      let offset = 0;
      while (offset < spec.readings) {
        const batch: TelemetryReading[] = [];
        while (batch.length < Math.min(spec.batch, spec.readings - offset)) {
          const next = readings.next();
          if (next.done) throw new Error('the simulator ran out of readings');
          batch.push(next.value[1]);
        }
        // Timed with the insert: the pipeline writes a reading's row as it reads it.
        const first = offset;
        await insert(batch.length, () => {
          const rows = new TelemetryRows();
          const receivedAt = Date.now();
          for (let i = 0; i < batch.length; i++)
            rows.add(batch[i]!, 'valid', (first + i) % 12, first + i, 0, receivedAt);
          return sink.writeTelemetry(rows);
        });
        offset += batch.length;
      }
    });
    stored.telemetry.push(await count('telemetry'));

    const telemetrySelect = (from: number, rows: number) =>
      `INSERT INTO telemetry SELECT
         concat('der-', leftPad(toString(number % ${spec.devices}), 7, '0')),
         fromUnixTimestamp64Milli(toInt64(${start} + number * 7), 'UTC'),
         (number % 10007) / 3.7 - 1000,
         if(number % 4 = 0, NULL, (number % 1009) / 7.1),
         230 + (number % 97) / 10,
         if(number % 5 = 0, number % 101, NULL),
         if(number % 4 = 3, NULL, (number % 10007) / 3.7),
         if(number % 4 = 3, NULL, -((number % 503) * 1.0)),
         true, 'valid', number % 12, intDiv(number, 12), 0, now64(3, 'UTC')
       FROM numbers(${from}, ${rows})`;
    const telemetryCeiling = await ceiling(
      clickhouse,
      'telemetry',
      spec.readings,
      spec.readings,
      telemetrySelect,
      options,
    );
    stored.telemetry.push(await count('telemetry'));
    const telemetryBatched = await ceiling(
      clickhouse,
      'telemetry',
      spec.readings,
      spec.batch,
      telemetrySelect,
      options,
    );
    stored.telemetry.push(await count('telemetry'));

    // Statuses: one window of every group per insert.
    const windows = Math.max(1, Math.round(spec.readings / spec.devices));
    const statusRows = windows * spec.groups;
    await clickhouse.command('TRUNCATE TABLE group_statuses');
    const statusSink = await timed('sink statuses', statusRows, options, async (insert) => {
      for (let w = 0; w < windows; w++) {
        const windowStart = end - (windows - w) * spec.windowMs;
        const statuses = fleet.groups.map((group, g) =>
          syntheticStatus(group.mRID, windowStart, spec.windowMs, g + w),
        );
        await insert(statuses.length, () => sink.writeStatuses(statuses, Date.now()));
      }
    });
    stored.statuses.push(await count('group_statuses'));
    const statusSelect = (from: number, rows: number) =>
      `INSERT INTO group_statuses SELECT
         concat('group-', leftPad(toString(number % ${spec.groups} + 1), 5, '0')),
         fromUnixTimestamp64Milli(toInt64(${end} - (intDiv(number, ${spec.groups}) + 1) * ${spec.windowMs}), 'UTC'),
         fromUnixTimestamp64Milli(toInt64(${end} - intDiv(number, ${spec.groups}) * ${spec.windowMs}), 'UTC'),
         1, 140, 130, 135, 3, 2, 133,
         (number % 10007) * 11.3, (number % 1009) * -1.7, (number % 10007) * 13.1, -((number % 503) * 9.0),
         (number % 307) * 3.3, (number % 211) * 2.9,
         if(number % 3 = 0, NULL, 20 + number % 80), if(number % 3 = 0, NULL, (number % 5003) * 27.0),
         226 + (number % 31) / 10, 231 + (number % 37) / 10, now64(3, 'UTC')
       FROM numbers(${from}, ${rows})`;
    const statusCeiling = await ceiling(
      clickhouse,
      'group_statuses',
      statusRows,
      statusRows,
      statusSelect,
      options,
    );
    stored.statuses.push(await count('group_statuses'));
    const statusBatched = await ceiling(
      clickhouse,
      'group_statuses',
      statusRows,
      spec.groups,
      statusSelect,
      options,
    );
    stored.statuses.push(await count('group_statuses'));

    return {
      telemetry: {
        sink: telemetrySink,
        ceiling: telemetryCeiling,
        ceilingBatched: telemetryBatched,
        ratio: round(telemetrySink.rowsPerSecond / telemetryCeiling.rowsPerSecond, 3),
        ratioBatched: round(telemetrySink.rowsPerSecond / telemetryBatched.rowsPerSecond, 3),
      },
      statuses: {
        sink: statusSink,
        ceiling: statusCeiling,
        ceilingBatched: statusBatched,
        ratio: round(statusSink.rowsPerSecond / statusCeiling.rowsPerSecond, 3),
        ratioBatched: round(statusSink.rowsPerSecond / statusBatched.rowsPerSecond, 3),
      },
      stored,
    };
  } finally {
    await clickhouse.close();
  }
}

/** `INSERT … SELECT … FROM numbers()` into an emptied table, `batch` rows per statement. */
async function ceiling(
  clickhouse: ClickhouseExecutor,
  table: string,
  rows: number,
  batch: number,
  select: (from: number, rows: number) => string,
  options: { quiet?: boolean },
): Promise<InsertFigures> {
  await clickhouse.command(`TRUNCATE TABLE ${table}`);
  const label = `chDB ${table}${batch < rows ? ` by ${batch}` : ''}`;
  return timed(label, rows, options, async (insert) => {
    for (let from = 0; from < rows; from += batch) {
      const n = Math.min(batch, rows - from);
      await insert(n, () => clickhouse.command(select(from, n)));
    }
  });
}

/** Runs `work`, timing only the inserts it makes through `insert`. */
async function timed(
  label: string,
  total: number,
  options: { quiet?: boolean },
  work: (insert: (rows: number, run: () => Promise<void>) => Promise<void>) => Promise<void>,
): Promise<InsertFigures> {
  const bar = progressBar(label, total, { quiet: options.quiet, unit: 'rows' });
  let ms = 0;
  let rows = 0;
  let inserts = 0;
  await work(async (n, run) => {
    const startedAt = performance.now();
    await run();
    ms += performance.now() - startedAt;
    rows += n;
    inserts++;
    bar.update(rows);
  });
  bar.finish(rows);
  return { rows, inserts, ms: Math.round(ms), rowsPerSecond: Math.round((rows * 1000) / ms) };
}

function syntheticStatus(groupId: string, windowStart: number, windowMs: number, n: number): GroupStatus {
  return {
    groupId,
    windowStart,
    windowEnd: windowStart + windowMs,
    version: 1,
    members: 140,
    reporting: 130,
    fresh: 135,
    stale: 3,
    silent: 2,
    connected: 133,
    activePower: (n % 10007) * 11.3,
    reactivePower: (n % 1009) * -1.7,
    maxActivePower: (n % 10007) * 13.1,
    minActivePower: -((n % 503) * 9.0),
    headroomUp: (n % 307) * 3.3,
    headroomDown: (n % 211) * 2.9,
    stateOfCharge: n % 3 === 0 ? null : 20 + (n % 80),
    storedEnergy: n % 3 === 0 ? null : (n % 5003) * 27.0,
    voltageMin: 226 + (n % 31) / 10,
    voltageMax: 231 + (n % 37) / 10,
  };
}

function round(value: number, digits: number): number {
  return Math.round(value * 10 ** digits) / 10 ** digits;
}
