import { GroupStatus } from '../../aggregate/groupStatus';
import { DER_FUNCTION_FLAGS, GroupVersion } from '../../membership/groupVersion';
import { RestoredState } from '../../statusEngine';
import { ForecastError } from '../../forecast/forecastAccuracy';
import { IssuedForecast } from '../../forecast/issuedForecast';
import { ForecastSettings } from '../../forecast/forecastConfig';
import { TelemetryReading } from '../../telemetryReading';
import { ClickhouseExecutor } from './clickhouseExecutor';
import { TelemetryRows } from './telemetryRows';

/**
 * Writes raw telemetry and status versions to ClickHouse. Both tables are keyed so a
 * write repeated after a restart collapses into the row already there: telemetry by
 * its Kafka position and index in the record, statuses by (group, window, version).
 */
export class ClickhouseSink {
  constructor(private readonly clickhouse: ClickhouseExecutor) {}

  /** Raw telemetry rows, in one insert (into chDB, one per 8 MiB). */
  async writeTelemetry(rows: TelemetryRows | readonly TelemetryRows[]): Promise<void> {
    await this.clickhouse.insertRowBinary(
      'telemetry',
      TelemetryRows.joined(rows instanceof TelemetryRows ? [rows] : rows),
    );
  }

  async writeStatuses(statuses: readonly GroupStatus[], emittedAt: number): Promise<void> {
    await this.clickhouse.insert(
      'group_statuses',
      statuses.map((s) => ({
        group_id: s.groupId,
        window_start: s.windowStart,
        window_end: s.windowEnd,
        version: s.version,
        members: s.members,
        reporting: s.reporting,
        fresh: s.fresh,
        stale: s.stale,
        silent: s.silent,
        connected: s.connected,
        active_power: s.activePower,
        reactive_power: s.reactivePower,
        max_active_power: s.maxActivePower,
        min_active_power: s.minActivePower,
        headroom_up: s.headroomUp,
        headroom_down: s.headroomDown,
        state_of_charge: s.stateOfCharge,
        stored_energy: s.storedEnergy,
        voltage_min: s.voltageMin,
        voltage_max: s.voltageMax,
        emitted_at: emittedAt,
      })),
    );
  }

  /**
   * Group versions as `der.groups` gave them, each with the position of its record, into
   * `group_membership_history` (one row a version; see its migration), in as many
   * inserts as `versionsPerInsert` makes, in order: one cut short leaves the versions
   * before it written.
   */
  async writeMembershipHistory(
    versions: readonly PositionedGroupVersion[],
    recordedAt: number,
    versionsPerInsert = 1000,
  ): Promise<void> {
    for (let from = 0; from < versions.length; from += versionsPerInsert) {
      await this.clickhouse.insert(
        'group_membership_history',
        versions.slice(from, from + versionsPerInsert).map(({ version, partition, offset }) => ({
          group_id: version.groupId,
          effective_from: version.effectiveFrom,
          deleted: version.deleted,
          name: version.name ?? null,
          'members.device_id': version.members.map((m) => m.deviceId),
          'members.rated_power': version.members.map((m) => m.ratedPower ?? null),
          'members.rated_energy': version.members.map((m) => m.ratedEnergy ?? null),
          der_function: DER_FUNCTION_FLAGS.filter((flag) => version.derFunction?.[flag] === true),
          source_partition: partition,
          source_offset: Number(offset),
          recorded_at: recordedAt,
        })),
      );
    }
  }

  /** Per partition of `der.groups`, the offset of the last record whose versions are in the history. */
  async membershipHistoryThrough(): Promise<Map<number, bigint>> {
    const rows = await this.clickhouse.query<{ partition: number; offset: string }>(
      `SELECT source_partition AS partition, toString(max(source_offset)) AS offset
       FROM group_membership_history GROUP BY source_partition`,
    );
    return new Map(rows.map((row) => [row.partition, BigInt(row.offset)]));
  }

  /**
   * The latest version of each status, as canonical statuses: for one group or all,
   * newest windows first, at most `limit` (all when omitted).
   */
  async latestStatuses(options: { groupId?: string; limit?: number } = {}): Promise<GroupStatus[]> {
    return this.clickhouse.query<GroupStatus>(
      `${SELECT_STATUS}
       WHERE {group:String} = '' OR group_id = {group:String}
       ORDER BY window_end DESC, group_id, version DESC
       LIMIT 1 BY group_id, window_end
       LIMIT {limit:UInt64}`,
      { group: options.groupId ?? '', limit: options.limit ?? Number.MAX_SAFE_INTEGER },
    );
  }

  /**
   * The latest version of each status of these groups (all when empty): every window
   * ending within [from, to] (epoch ms), by group and window; or, without a range, each
   * group's newest window only.
   */
  async statuses(query: { groupIds: readonly string[]; from?: number; to?: number }): Promise<GroupStatus[]> {
    const ranged = query.from !== undefined || query.to !== undefined;
    return this.clickhouse.query<GroupStatus>(
      `${SELECT_STATUS}
       WHERE (empty({groups:Array(String)}) OR has({groups:Array(String)}, group_id))
         AND window_end BETWEEN fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND fromUnixTimestamp64Milli({to:Int64}, 'UTC')
       ORDER BY group_id, window_end ${ranged ? '' : 'DESC'}, version DESC
       LIMIT 1 BY ${ranged ? 'group_id, window_end' : 'group_id'}`,
      {
        groups: [...query.groupIds],
        from: query.from ?? 0,
        to: Math.min(query.to ?? MAX_TIME, MAX_TIME),
      },
    );
  }

  /** Published forecasts, one row per interval (idempotent on group, parameter, issue time, interval). */
  async writeForecasts(forecasts: readonly IssuedForecast[]): Promise<void> {
    await this.clickhouse.insert(
      'group_forecasts',
      forecasts.flatMap((f) =>
        f.points.map((p) => ({
          group_id: f.groupId,
          parameter: f.parameter,
          issued_at: f.issuedAt,
          interval_number: p.intervalNumber,
          method: f.method,
          interval_start: p.start,
          interval_ms: f.intervalMs,
          p10: p.p10,
          p50: p.p50,
          p90: p.p90,
        })),
      ),
    );
  }

  /** Scored forecast intervals, every method. */
  async writeForecastErrors(errors: readonly ForecastError[]): Promise<void> {
    await this.clickhouse.insert(
      'forecast_errors',
      errors.map((e) => ({
        group_id: e.groupId,
        parameter: e.parameter,
        method: e.method,
        issued_at: e.issuedAt,
        interval_number: e.intervalNumber,
        interval_start: e.intervalStart,
        actual: e.actual,
        p10: e.p10,
        p50: e.p50,
        p90: e.p90,
        error: e.error,
      })),
    );
  }

  /** The newest published forecast of each of these groups (all when empty) and parameters. */
  async latestForecasts(query: ForecastQuery): Promise<IssuedForecast[]> {
    const rows = await this.clickhouse.query<{
      groupId: string;
      parameter: IssuedForecast['parameter'];
      method: IssuedForecast['method'];
      issuedAt: number;
      intervalMs: number;
      points: [number, number, number, number, number][];
    }>(
      `SELECT group_id AS groupId, parameter, any(method) AS method,
              toUnixTimestamp64Milli(issued_at) AS issuedAt, any(interval_ms) AS intervalMs,
              arraySort(x -> x.1, groupArray((interval_number, toUnixTimestamp64Milli(interval_start), p10, p50, p90))) AS points
       FROM group_forecasts FINAL
       WHERE (empty({groups:Array(String)}) OR has({groups:Array(String)}, group_id))
         AND has({parameters:Array(String)}, parameter)
         AND (group_id, parameter, issued_at) IN (
           SELECT group_id, parameter, max(issued_at) FROM group_forecasts
           WHERE (empty({groups:Array(String)}) OR has({groups:Array(String)}, group_id))
           GROUP BY group_id, parameter)
       GROUP BY group_id, parameter, issued_at
       ORDER BY group_id, parameter`,
      { groups: [...query.groupIds], parameters: [...query.parameters] },
    );
    return rows.map((r) => ({
      groupId: r.groupId,
      parameter: r.parameter,
      method: r.method,
      issuedAt: Number(r.issuedAt),
      intervalMs: Number(r.intervalMs),
      points: r.points.map(([intervalNumber, start, p10, p50, p90]) => ({
        intervalNumber: Number(intervalNumber),
        start: Number(start),
        p10,
        p50,
        p90,
      })),
    }));
  }

  /**
   * What a restarted forecaster is fed again: the stored statuses (latest version per
   * window, by window then group) of the `days` before the newest issued forecast, up to
   * that issue time. Statuses after it are emitted again by the restarted pipeline, or,
   * if their readings were committed, are a gap the forecaster steps over.
   */
  async forecastWarmUp(
    settings: Pick<ForecastSettings, 'seasonMs'>,
    days = 3,
  ): Promise<{ statuses: GroupStatus[] }> {
    const [last] = await this.clickhouse.query<{ issuedAt: number | null }>(
      `SELECT if(count() = 0, NULL, toUnixTimestamp64Milli(max(issued_at))) AS issuedAt FROM group_forecasts`,
    );
    const issuedAt =
      last?.issuedAt === null || last?.issuedAt === undefined ? undefined : Number(last.issuedAt);
    if (issuedAt === undefined) return { statuses: [] };
    const statuses = await this.statuses({
      groupIds: [],
      from: issuedAt - days * settings.seasonMs,
      to: issuedAt,
    });
    statuses.sort(
      (a, b) => a.windowEnd - b.windowEnd || (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0),
    );
    return { statuses };
  }

  /**
   * What a restarted pipeline needs to go on where the committed offsets say it was
   * (StatusEngine.restore): per partition, each device's latest valid reading before
   * the committed offset; the groups with a status in the window `emittedThrough`; and
   * the readings at or after the committed offsets already judged late, as
   * `partition:offset:index`, so a re-read reading is judged as it was.
   */
  async restoreState(
    committed: readonly { partition: number; offset: number }[],
    emittedThrough: number,
  ): Promise<{ state: RestoredState; late: Set<string> }> {
    const params = {
      parts: committed.map((c) => c.partition),
      offsets: committed.map((c) => c.offset),
      end: Number.isFinite(emittedThrough) ? emittedThrough : 0,
    };
    const before = `has({parts:Array(UInt16)}, source_partition)
      AND source_offset < arrayElement({offsets:Array(Int64)}, indexOf({parts:Array(UInt16)}, source_partition))`;
    const rows = await this.clickhouse.query<
      { partition: number; lastTs: number } & Omit<TelemetryReading, 'ts'>
    >(
      `SELECT source_partition AS partition, device_id AS deviceId,
              toUnixTimestamp64Milli(max(ts)) AS lastTs,
              argMax(active_power, (ts, source_offset, source_index)) AS activePower,
              argMax(reactive_power, (ts, source_offset, source_index)) AS reactivePower,
              argMax(voltage, (ts, source_offset, source_index)) AS voltage,
              argMax(state_of_charge, (ts, source_offset, source_index)) AS stateOfCharge,
              argMax(max_active_power, (ts, source_offset, source_index)) AS maxActivePower,
              argMax(min_active_power, (ts, source_offset, source_index)) AS minActivePower,
              argMax(connected, (ts, source_offset, source_index)) AS connected
       FROM telemetry FINAL
       WHERE disposition = 'valid' AND ${before}
       GROUP BY source_partition, device_id
       ORDER BY source_partition, device_id`,
      params,
    );
    const byPartition = new Map<number, TelemetryReading[]>();
    for (const { partition, lastTs, ...reading } of rows) {
      const readings = byPartition.get(Number(partition)) ?? [];
      readings.push({ ...reading, ts: Number(lastTs), connected: Boolean(reading.connected) });
      byPartition.set(Number(partition), readings);
    }
    const started = await this.clickhouse.query<{ groupId: string }>(
      `SELECT DISTINCT group_id AS groupId FROM group_statuses
       WHERE window_end = fromUnixTimestamp64Milli({end:Int64}, 'UTC') ORDER BY groupId`,
      params,
    );
    const late = await this.clickhouse.query<{ partition: number; offset: number; index: number }>(
      `SELECT source_partition AS partition, source_offset AS offset, source_index AS index FROM telemetry FINAL
       WHERE disposition = 'late' AND has({parts:Array(UInt16)}, source_partition)
         AND source_offset >= arrayElement({offsets:Array(Int64)}, indexOf({parts:Array(UInt16)}, source_partition))`,
      params,
    );
    return {
      state: {
        emittedThrough,
        startedGroups: started.map((g) => g.groupId),
        partitions: [...byPartition].map(([partition, readings]) => ({ partition, readings })),
      },
      late: new Set(late.map((l) => `${l.partition}:${l.offset}:${l.index}`)),
    };
  }
}

/** A group version and where on `der.groups` it was read. */
export interface PositionedGroupVersion {
  version: GroupVersion;
  partition: number;
  offset: bigint;
}

export interface ForecastQuery {
  groupIds: readonly string[];
  parameters: readonly string[];
}

/** 9999-12-31: beyond it DateTime64(3) has no room. */
const MAX_TIME = 253_402_300_799_000;

const SELECT_STATUS = `SELECT group_id AS groupId, toUnixTimestamp64Milli(window_start) AS windowStart,
              toUnixTimestamp64Milli(window_end) AS windowEnd, version, members, reporting, fresh, stale, silent,
              connected, active_power AS activePower, reactive_power AS reactivePower,
              max_active_power AS maxActivePower, min_active_power AS minActivePower, headroom_up AS headroomUp,
              headroom_down AS headroomDown, state_of_charge AS stateOfCharge, stored_energy AS storedEnergy,
              voltage_min AS voltageMin, voltage_max AS voltageMax
       FROM group_statuses FINAL`;
