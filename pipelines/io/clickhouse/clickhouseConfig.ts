import { ConfigError } from '../../errors';
import { Env, optionalStringSetting, stringSetting, urlSetting } from '../../config/settings';

/**
 * Where derstream keeps its time series. Without `DERSTREAM_CLICKHOUSE_URL` it runs
 * ClickHouse in process (chDB) on a data directory; with it, it talks to that server.
 * Both run the same SQL.
 *
 * | setting | default | meaning |
 * |---|---|---|
 * | `DERSTREAM_CLICKHOUSE_URL` | (none: chDB) | `http(s)://host:8123` of a ClickHouse server |
 * | `DERSTREAM_CHDB_PATH` | `data/chdb` | chDB's data directory (created if missing) |
 * | `DERSTREAM_CLICKHOUSE_DATABASE` | `derstream` | database holding derstream's tables |
 * | `DERSTREAM_CLICKHOUSE_USER` | `default` | server user |
 * | `DERSTREAM_CLICKHOUSE_PASSWORD` | (empty) | server password: environment only, never logged |
 */
export type ClickhouseConfig =
  | { kind: 'chdb'; path: string; database: string }
  | { kind: 'server'; url: URL; database: string; username: string; password: string };

export function parseClickhouseConfig(env: Env): ClickhouseConfig {
  const database = stringSetting(env, 'DERSTREAM_CLICKHOUSE_DATABASE', 'derstream');
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
    throw new ConfigError(
      'DERSTREAM_CLICKHOUSE_DATABASE',
      `"${database}" must be a plain identifier (letters, digits, _)`,
    );
  }
  if (optionalStringSetting(env, 'DERSTREAM_CLICKHOUSE_URL') === undefined) {
    return { kind: 'chdb', path: stringSetting(env, 'DERSTREAM_CHDB_PATH', 'data/chdb'), database };
  }
  const url = urlSetting(env, 'DERSTREAM_CLICKHOUSE_URL', 'http://127.0.0.1:8123', ['http:', 'https:']);
  if (url.username || url.password) {
    throw new ConfigError(
      'DERSTREAM_CLICKHOUSE_URL',
      'must not carry credentials; set DERSTREAM_CLICKHOUSE_USER and DERSTREAM_CLICKHOUSE_PASSWORD instead',
    );
  }
  return {
    kind: 'server',
    url,
    database,
    username: stringSetting(env, 'DERSTREAM_CLICKHOUSE_USER', 'default'),
    password: env.DERSTREAM_CLICKHOUSE_PASSWORD ?? '',
  };
}
