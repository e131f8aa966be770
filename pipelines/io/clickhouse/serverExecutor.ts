import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { ClickhouseQueryError, ServiceUnavailableError, messageOf } from '../../errors';
import { clickhouseFailure } from './clickhouseFailure';
import { ClickhouseConfig } from './clickhouseConfig';
import { ClickhouseExecutor } from './clickhouseExecutor';
import { insertSelecting } from './sqlText';

/** A ClickHouse server over HTTP through `@clickhouse/client`; the SQL is chDB's. */
export async function openServerExecutor(
  config: Extract<ClickhouseConfig, { kind: 'server' }>,
): Promise<ClickhouseExecutor> {
  const settings = { output_format_json_quote_64bit_integers: 0 } as const;
  const admin = createClient({
    url: config.url,
    username: config.username,
    password: config.password,
    request_timeout: 10_000,
    log: { level: ClickHouseLogLevel.OFF },
    clickhouse_settings: settings,
  });
  const where = `${config.url.origin}${config.url.pathname === '/' ? '' : config.url.pathname}`;
  const ping = await admin.ping();
  if (!ping.success) {
    await admin.close();
    throw new ServiceUnavailableError(
      'clickhouse',
      'DERSTREAM_CLICKHOUSE_URL',
      `no ClickHouse server answers at ${where}: ${messageOf(ping.error)}`,
      { cause: ping.error },
    );
  }
  try {
    await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${config.database}` });
  } catch (error) {
    throw new ClickhouseQueryError(
      `ClickHouse at ${where} refused to create database ${config.database}: ${messageOf(error)}`,
    );
  } finally {
    await admin.close();
  }
  const client = createClient({
    url: config.url,
    username: config.username,
    password: config.password,
    database: config.database,
    clickhouse_settings: settings,
    log: { level: ClickHouseLogLevel.OFF },
  });
  const guard = async <T>(sql: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw clickhouseFailure('ClickHouse', sql, error);
    }
  };
  return {
    description: `ClickHouse at ${where}`,
    async command(sql, params) {
      await guard(sql, () => client.command({ query: sql, query_params: params }));
    },
    async query<Row>(sql: string, params?: Record<string, unknown>) {
      return guard(sql, async () => {
        const result = await client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
        return result.json<Row>();
      });
    },
    async insert(table, rows) {
      if (rows.length === 0) return;
      await guard(`INSERT INTO ${table}`, () =>
        client.insert({ table, values: rows as object[], format: 'JSONEachRow' }),
      );
    },
    async insertRowBinary(table, rows) {
      if (rows.count === 0) return;
      const sql = `${insertSelecting(table, rows.columns, (structure) => `input(${structure})`)} FORMAT RowBinary`;
      await guard(sql, async () => {
        const result = await client.exec({
          query: sql,
          values: Readable.from(rows.chunks),
          clickhouse_settings: { optimize_on_insert: 0 },
        });
        result.stream.resume();
        await finished(result.stream);
      });
    },
    async close() {
      await client.close();
    },
  };
}
