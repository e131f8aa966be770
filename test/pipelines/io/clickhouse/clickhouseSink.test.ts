import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GroupStatus } from '../../../../pipelines/aggregate/groupStatus';
import { parseClickhouseConfig } from '../../../../pipelines/io/clickhouse/clickhouseConfig';
import { ClickhouseExecutor, openClickhouse } from '../../../../pipelines/io/clickhouse/clickhouseExecutor';
import { ClickhouseSink } from '../../../../pipelines/io/clickhouse/clickhouseSink';
import { migrate } from '../../../../pipelines/io/clickhouse/migrations';
import { TelemetryRows } from '../../../../pipelines/io/clickhouse/telemetryRows';
import { TelemetryReading } from '../../../../pipelines/telemetryReading';
import {
  DER_FUNCTION_FLAGS,
  DerFunction,
  GroupMember,
  GroupVersion,
} from '../../../../pipelines/membership/groupVersion';
import { reading } from '../../../support/readings';

const T = Date.UTC(2026, 10, 23, 12);

const status = (groupId: string, windowEnd: number, version: number, activePower: number): GroupStatus => ({
  groupId,
  windowStart: windowEnd - 60_000,
  windowEnd,
  version,
  members: 1,
  reporting: 1,
  fresh: 1,
  stale: 0,
  silent: 0,
  connected: 1,
  activePower,
  reactivePower: null,
  maxActivePower: null,
  minActivePower: null,
  headroomUp: null,
  headroomDown: null,
  stateOfCharge: null,
  storedEnergy: null,
  voltageMin: null,
  voltageMax: null,
});

describe('ClickhouseSink statuses through chDB', () => {
  let clickhouse: ClickhouseExecutor;
  let sink: ClickhouseSink;

  beforeAll(async () => {
    clickhouse = await openClickhouse(
      parseClickhouseConfig({ DERSTREAM_CHDB_PATH: mkdtempSync(join(tmpdir(), 'derstream-chdb-')) }),
    );
    await migrate(clickhouse);
    sink = new ClickhouseSink(clickhouse);
    await sink.writeStatuses(
      [
        status('a', T, 1, 10),
        status('a', T, 2, 11),
        status('a', T + 60_000, 1, 12),
        status('b', T, 1, 20),
        status('c', T - 60_000, 1, 30),
      ],
      T + 120_000,
    );
    // A repeated write (a restart re-emitting) lands on the same keys.
    await sink.writeStatuses([status('a', T, 2, 11)], T + 180_000);
  });
  afterAll(() => clickhouse.close());

  it('gives each group its newest window, latest version, without a range', async () => {
    const newest = await sink.statuses({ groupIds: [] });
    expect(newest.map((s) => [s.groupId, s.windowEnd, s.version, s.activePower])).toEqual([
      ['a', T + 60_000, 1, 12],
      ['b', T, 1, 20],
      ['c', T - 60_000, 1, 30],
    ]);
  });

  it('gives every window ending within a range, latest version each, for the groups asked', async () => {
    const ranged = await sink.statuses({ groupIds: ['a', 'c'], from: T - 60_000, to: T });
    expect(ranged.map((s) => [s.groupId, s.windowEnd, s.version])).toEqual([
      ['a', T, 2],
      ['c', T - 60_000, 1],
    ]);
    expect(await sink.statuses({ groupIds: ['nowhere'] })).toEqual([]);
  });
});

describe('ClickhouseSink forecasts through chDB', () => {
  let clickhouse: ClickhouseExecutor;
  let sink: ClickhouseSink;
  const forecast = (groupId: string, parameter: 'activePower' | 'stateOfCharge', issuedAt: number) => ({
    groupId,
    parameter,
    method: 'persistence' as const,
    issuedAt,
    intervalMs: 900_000,
    points: [2, 1].map((n) => ({
      intervalNumber: n,
      start: issuedAt + (n - 1) * 900_000,
      p10: n,
      p50: n + 1,
      p90: n + 2,
    })),
  });

  beforeAll(async () => {
    clickhouse = await openClickhouse(
      parseClickhouseConfig({ DERSTREAM_CHDB_PATH: mkdtempSync(join(tmpdir(), 'derstream-chdb-')) }),
    );
    await migrate(clickhouse);
    sink = new ClickhouseSink(clickhouse);
  });
  afterAll(() => clickhouse.close());

  it('gives the newest forecast per group and parameter, points in interval order, once however often written', async () => {
    const newer = forecast('a', 'activePower', T + 900_000);
    await sink.writeForecasts([forecast('a', 'activePower', T), newer, forecast('b', 'stateOfCharge', T)]);
    await sink.writeForecasts([newer]);
    const latest = await sink.latestForecasts({ groupIds: [], parameters: ['activePower', 'stateOfCharge'] });
    expect(latest).toEqual([
      { ...newer, points: [...newer.points].reverse() },
      {
        ...forecast('b', 'stateOfCharge', T),
        points: [...forecast('b', 'stateOfCharge', T).points].reverse(),
      },
    ]);
    expect(await sink.latestForecasts({ groupIds: ['b'], parameters: ['activePower'] })).toEqual([]);
  });
});

describe('ClickhouseSink telemetry of gateway batches through chDB', () => {
  let clickhouse: ClickhouseExecutor;
  let sink: ClickhouseSink;
  const at = (partition: number, offset: number, index: number, r: TelemetryReading, late = false) => ({
    reading: r,
    disposition: late ? ('late' as const) : ('valid' as const),
    partition,
    offset,
    index,
    receivedAt: T,
  });
  // One batch at partition 0, offset 5: three readings, two of d1 at the same instant
  // (the later in the batch wins); a single reading before it; a batch after it with a
  // reading judged late.
  const rows = [
    at(0, 3, 0, reading('d1', T - 20_000, { activePower: 1 })),
    at(0, 5, 0, reading('d1', T - 10_000, { activePower: 2 })),
    at(0, 5, 1, reading('d2', T - 10_000, { activePower: 3 })),
    at(0, 5, 2, reading('d1', T - 10_000, { activePower: 4 })),
    at(0, 7, 0, reading('d2', T, { activePower: 5 })),
    at(0, 7, 1, reading('d3', T - 120_000, { activePower: 6 }), true),
    at(1, 5, 1, reading('d4', T - 10_000, { activePower: 7 })),
  ];

  beforeAll(async () => {
    clickhouse = await openClickhouse(
      parseClickhouseConfig({ DERSTREAM_CHDB_PATH: mkdtempSync(join(tmpdir(), 'derstream-chdb-')) }),
    );
    await migrate(clickhouse);
    sink = new ClickhouseSink(clickhouse);
    await sink.writeTelemetry(TelemetryRows.of(rows));
    // A restart reads the batches again: the same positions and indexes, the same rows,
    // in parts as batches of a fetch are.
    await sink.writeTelemetry([TelemetryRows.of(rows.slice(1, 4)), TelemetryRows.of(rows.slice(4))]);
  });
  afterAll(() => clickhouse.close());

  it('keeps one row per reading of a batch, however often the batch is written', async () => {
    const stored = await clickhouse.query<{ partition: number; offset: number; index: number }>(
      `SELECT source_partition AS partition, source_offset AS offset, source_index AS index
       FROM telemetry FINAL ORDER BY partition, offset, index`,
    );
    expect(stored.map((r) => [r.partition, Number(r.offset), r.index])).toEqual(
      rows
        .map((r) => [r.partition, r.offset, r.index])
        .sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!),
    );
  });

  it('restores the last reading per device by position and index, and the late readings by index', async () => {
    const { state, late } = await sink.restoreState(
      [
        { partition: 0, offset: 7 },
        { partition: 1, offset: 5 },
      ],
      T - 60_000,
    );
    const restored = new Map(state.partitions.map((p) => [p.partition, p.readings]));
    expect(restored.get(0)).toEqual([
      reading('d1', T - 10_000, { activePower: 4 }),
      reading('d2', T - 10_000, { activePower: 3 }),
    ]);
    // Partition 1's batch at offset 5 is not before its committed offset.
    expect(restored.get(1)).toBeUndefined();
    expect([...late]).toEqual(['0:7:1']);
  });
});

describe('ClickhouseSink membership history through chDB', () => {
  let clickhouse: ClickhouseExecutor;
  let sink: ClickhouseSink;
  const v = (
    groupId: string,
    effectiveFrom: number,
    members: GroupMember[],
    extra: Partial<GroupVersion> = {},
  ) => ({
    groupId,
    effectiveFrom,
    deleted: false,
    members,
    ...extra,
  });

  beforeAll(async () => {
    clickhouse = await openClickhouse(
      parseClickhouseConfig({ DERSTREAM_CHDB_PATH: mkdtempSync(join(tmpdir(), 'derstream-chdb-')) }),
    );
    await migrate(clickhouse);
    sink = new ClickhouseSink(clickhouse);
  });

  it('keeps per group and time the version read last, with its members, however often written', async () => {
    const flags = Object.fromEntries(
      DER_FUNCTION_FLAGS.map((flag) => [flag, flag === 'rampRateControl']),
    ) as Record<keyof DerFunction, boolean>;
    const records = [
      {
        version: v(
          'g1',
          T,
          [
            { deviceId: 'inv-1', ratedPower: 5000 },
            { deviceId: 'bat-2', ratedEnergy: 13500 },
          ],
          { name: 'Feeder 1', derFunction: flags },
        ),
        partition: 0,
        offset: 4n,
      },
      { version: v('g2', T, [{ deviceId: 'inv-3' }]), partition: 0, offset: 5n },
      // The same group and time again, later on the topic: it replaces the first.
      { version: v('g1', T, [{ deviceId: 'inv-1', ratedPower: 6000 }]), partition: 0, offset: 9n },
      { version: v('g2', T + 60_000, [], { deleted: true }), partition: 0, offset: 10n },
      {
        version: v('g3', T, [{ deviceId: 'ev-4' }], { name: 'Depot', derFunction: flags }),
        partition: 1,
        offset: 2n,
      },
    ];
    // Three inserts, the first two versions then one each; then all of it again, as a restart writes it.
    await sink.writeMembershipHistory(records.slice(0, 2), T + 1, 2);
    await sink.writeMembershipHistory(records.slice(2), T + 2, 1);
    await sink.writeMembershipHistory(records, T + 3);
    const rows = await clickhouse.query<{
      group: string;
      from: number;
      deleted: boolean;
      name: string | null;
      device: string;
      power: number | null;
      energy: number | null;
      functions: string[];
      offset: number;
    }>(
      `SELECT group_id AS group, toUnixTimestamp64Milli(effective_from) AS from, deleted, name,
              members.device_id AS device, members.rated_power AS power, members.rated_energy AS energy,
              der_function AS functions, source_offset AS offset
       FROM group_membership_history FINAL LEFT ARRAY JOIN members
       ORDER BY group, from, device`,
    );
    expect(rows).toEqual([
      {
        group: 'g1',
        from: T,
        deleted: false,
        name: null,
        device: 'inv-1',
        power: 6000,
        energy: null,
        functions: [],
        offset: 9,
      },
      {
        group: 'g2',
        from: T,
        deleted: false,
        name: null,
        device: 'inv-3',
        power: null,
        energy: null,
        functions: [],
        offset: 5,
      },
      {
        group: 'g2',
        from: T + 60_000,
        deleted: true,
        name: null,
        device: '',
        power: null,
        energy: null,
        functions: [],
        offset: 10,
      },
      {
        group: 'g3',
        from: T,
        deleted: false,
        name: 'Depot',
        device: 'ev-4',
        power: null,
        energy: null,
        functions: ['rampRateControl'],
        offset: 2,
      },
    ]);
    expect(await sink.membershipHistoryThrough()).toEqual(
      new Map([
        [0, 10n],
        [1, 2n],
      ]),
    );
  });
});
