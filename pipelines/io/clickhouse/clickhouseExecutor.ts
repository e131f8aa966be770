import { ClickhouseConfig } from './clickhouseConfig';
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
  close(): Promise<void>;
}

/** Opens the executor the configuration asks for, with its database created and selected. */
export async function openClickhouse(config: ClickhouseConfig): Promise<ClickhouseExecutor> {
  return config.kind === 'chdb' ? openChdbExecutor(config) : openServerExecutor(config);
}
