import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Session, drainPending } from 'chdb';
import { ServiceUnavailableError, messageOf } from '../../errors';
import { clickhouseFailure } from './clickhouseFailure';
import { ClickhouseConfig } from './clickhouseConfig';
import { ClickhouseExecutor } from './clickhouseExecutor';
import { MAX_INSERT_CHARS, insertTexts, parseJsonEachRow } from './jsonEachRow';
import { RowBinaryFileInserts } from './rowBinaryFileInserts';

/**
 * RowBinary rows go into chDB this many bytes (about 90 k telemetry rows) at a time. chDB's
 * memory while it inserts follows the statement's size, about 45 MB in process for 100 k
 * rows and 190 MB for 350 k, and the live pipeline may leave 300 k rows for one write.
 */
const ROW_BINARY_INSERT_BYTES = 8 * 1024 * 1024;

/**
 * ClickHouse in process. libchdb binds one data directory per process, so a second
 * executor on another directory waits until the first has closed (see chdb's README).
 */
export async function openChdbExecutor(
  config: Extract<ClickhouseConfig, { kind: 'chdb' }>,
): Promise<ClickhouseExecutor> {
  const path = resolve(config.path);
  const insertsDirectory = RowBinaryFileInserts.directoryFor(path);
  let session: Session;
  try {
    mkdirSync(path, { recursive: true });
    await drainPending();
    session = new Session(path, { connectionArgs: ['--output_format_json_quote_64bit_integers=0'] });
  } catch (error) {
    // libchdb says only "Failed to create connection" (its own line on stderr names the
    // lock), and the usual cause is another process on the directory.
    const held = /failed to create connection/i.test(messageOf(error))
      ? '; chDB serves one process per data directory: if another (a `derstream run`) has it, stop that one, or read through its HTTP API (/api/statuses)'
      : '';
    throw new ServiceUnavailableError(
      'clickhouse',
      'DERSTREAM_CHDB_PATH',
      `cannot open chDB at ${path}: ${messageOf(error)}${held}`,
      {
        cause: error,
      },
    );
  }
  const fail = (sql: string, error: unknown): never => {
    throw clickhouseFailure('chDB', sql, error);
  };
  const run = async (sql: string, params?: Record<string, unknown>) => {
    try {
      return params
        ? await session.queryBindAsync(sql, params, { format: 'JSONEachRow' })
        : await session.queryAsync(sql, { format: 'JSONEachRow' });
    } catch (error) {
      return fail(sql, error);
    }
  };
  await run(`CREATE DATABASE IF NOT EXISTS ${config.database}`);
  await run(`USE ${config.database}`);
  const fileInserts = RowBinaryFileInserts.open(session, insertsDirectory);

  return {
    description: `chDB at ${path}`,
    async command(sql, params) {
      try {
        await run(sql, params);
      } finally {
        fileInserts.forgetColumns();
      }
    },
    async query<Row>(sql: string, params?: Record<string, unknown>) {
      return parseJsonEachRow<Row>((await run(sql, params)).text());
    },
    async insert(table, rows) {
      try {
        if (await fileInserts.insert(table, rows, MAX_INSERT_CHARS)) return;
        for (const insert of insertTexts(rows))
          await session.insert({
            table,
            values: Buffer.from(insert.text),
            format: insert.format,
            ...(insert.format === 'JSONCompactEachRow' ? { columns: insert.columns } : {}),
          });
      } catch (error) {
        fail(`INSERT INTO ${table}`, error);
      }
    },
    async insertRowBinary(table, rows) {
      try {
        await fileInserts.insertRows(table, rows, ROW_BINARY_INSERT_BYTES);
      } catch (error) {
        fail(`INSERT INTO ${table}`, error);
      }
    },
    async close() {
      session.close();
      await drainPending();
    },
  };
}
