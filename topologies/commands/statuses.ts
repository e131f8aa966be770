import { toCanonicalJson } from '../../pipelines/aggregate/groupStatus';
import { ConfigError } from '../../pipelines/errors';
import { openClickhouse } from '../../pipelines/io/clickhouse/clickhouseExecutor';
import { ClickhouseSink } from '../../pipelines/io/clickhouse/clickhouseSink';
import { DerstreamConfig } from '../config';

/**
 * `derstream statuses [--group MRID] [--limit N]`: the latest stored version of the
 * newest statuses, one canonical JSON line each, newest window first.
 */
export async function statuses(
  config: DerstreamConfig,
  values: { group?: string; limit?: string },
  log: (line: string) => void,
): Promise<void> {
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new ConfigError('--limit', `"${values.limit}" must be a positive integer`);
  const clickhouse = await openClickhouse(config.clickhouse);
  try {
    for (const status of await new ClickhouseSink(clickhouse).latestStatuses({
      groupId: values.group,
      limit,
    })) {
      log(toCanonicalJson(status));
    }
  } finally {
    await clickhouse.close();
  }
}
