import { seededRandom } from '../../benchmarks/simulator/fleet';
import { ServiceUnavailableError } from '../../pipelines/errors';
import { ClickhouseExecutor } from '../../pipelines/io/clickhouse/clickhouseExecutor';
import { RowBinaryRows } from '../../pipelines/io/clickhouse/rowBinary';
import { readRowBinary } from './rowBinaryReader';

export interface FaultPlan {
  /** Share of inserts refused before anything is written. */
  failBefore: number;
  /** Share of inserts refused after the rows were written (a reply lost on the way). */
  failAfter: number;
  /** Share of inserts that stall for `stallMs` first. */
  stall: number;
  stallMs: number;
  seed: number;
  /** Tables whose inserts break (the pipeline's writes; the migrations' own bookkeeping is spared). */
  tables: readonly string[];
}

/**
 * A ClickHouse executor that breaks on purpose (tests only): it wraps a real one and
 * refuses or stalls a share of inserts, with a retriable error as a ClickHouse that is
 * overloaded or restarting would. It remembers which telemetry rows really reached the
 * store, so a test can hold every committed offset against them.
 */
export class FaultyClickhouse implements ClickhouseExecutor {
  readonly description: string;
  /** `partition:offset` of every telemetry row written. */
  readonly telemetryWritten = new Set<string>();
  readonly injected = { failedBefore: 0, failedAfter: 0, stalled: 0, inserts: 0 };
  private readonly random: () => number;
  private on = true;

  constructor(
    private readonly inner: ClickhouseExecutor,
    private readonly plan: FaultPlan,
  ) {
    this.description = `${inner.description} (with injected faults)`;
    this.random = seededRandom(plan.seed);
  }

  /** From now on every insert goes through untouched. */
  heal(): void {
    this.on = false;
  }

  command(sql: string, params?: Record<string, unknown>): Promise<void> {
    return this.inner.command(sql, params);
  }

  query<Row>(sql: string, params?: Record<string, unknown>): Promise<Row[]> {
    return this.inner.query<Row>(sql, params);
  }

  insert(table: string, rows: readonly object[]): Promise<void> {
    return this.faulty(
      table,
      () => this.inner.insert(table, rows),
      () => rows,
    );
  }

  insertRowBinary(table: string, rows: RowBinaryRows): Promise<void> {
    return this.faulty(
      table,
      () => this.inner.insertRowBinary(table, rows),
      () => readRowBinary(rows),
    );
  }

  /** `write` with a fault drawn for it; `written` gives the rows once they are in. */
  private async faulty(table: string, write: () => Promise<void>, written: () => readonly object[]) {
    this.injected.inserts++;
    const draw = this.on && this.plan.tables.includes(table) ? this.random() : 1;
    const { failBefore, failAfter, stall } = this.plan;
    const refusal = () =>
      new ServiceUnavailableError(
        'clickhouse',
        'DERSTREAM_CHDB_PATH',
        `injected fault on INSERT INTO ${table}`,
      );
    if (draw < failBefore) {
      this.injected.failedBefore++;
      throw refusal();
    }
    if (draw < failBefore + stall) {
      this.injected.stalled++;
      await new Promise((resolve) => setTimeout(resolve, this.plan.stallMs));
    }
    await write();
    if (table === 'telemetry') {
      for (const row of written() as { source_partition: number; source_offset: number }[])
        this.telemetryWritten.add(`${row.source_partition}:${row.source_offset}`);
    }
    if (draw >= failBefore + stall && draw < failBefore + stall + failAfter) {
      this.injected.failedAfter++;
      throw refusal();
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
