import { ClickhouseConfig } from './clickhouseConfig';
import { RowBinaryRows } from './rowBinary';
import { openChdbExecutor } from './chdbExecutor';
import { openServerExecutor } from './serverExecutor';

/**
 * The one way derstream talks to ClickHouse. Two implementations run the same SQL:
 * chDB in process and a server over HTTP. Query parameters use ClickHouse's own
 * `{name:Type}` binding on both, so values never enter the SQL text.
 *
 * 64-bit integers come back as JSON numbers on both (timestamps in ms fit in 2^53).
 */
export interface ClickhouseExecutor {
  /** Where it writes, for messages: `chDB at data/chdb` or `ClickHouse at http://…`. */
  readonly description: string;
  /** Runs one statement that returns no rows (DDL, INSERT … SELECT). */
  command(sql: string, params?: Record<string, unknown>): Promise<void>;
  /** Runs one SELECT and returns its rows as objects. */
  query<Row>(sql: string, params?: Record<string, unknown>): Promise<Row[]>;
  /** Inserts rows (objects keyed by column name) into a table of the configured database. */
  insert(table: string, rows: readonly object[]): Promise<void>;
  /**
   * Inserts rows already in RowBinary, converted from the columns' types to the table's
   * as ClickHouse converts any insert. The rows of one call are not collapsed with each
   * other on the way in (`optimize_on_insert = 0`; sorting and collapsing a block of
   * 100 k rows took most of an insert): each must have a key of its own, and a row
   * written again in a later insert collapses as ever, in merges and under FINAL.
   */
  insertRowBinary(table: string, rows: RowBinaryRows): Promise<void>;
  close(): Promise<void>;
}

/** Opens the executor the configuration asks for, with its database created and selected. */
export async function openClickhouse(config: ClickhouseConfig): Promise<ClickhouseExecutor> {
  return config.kind === 'chdb' ? openChdbExecutor(config) : openServerExecutor(config);
}
