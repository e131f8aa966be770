import { Subject } from 'rxjs';
import { GroupStatus } from '../pipelines/aggregate/groupStatus';
import { ClickhouseSink } from '../pipelines/io/clickhouse/clickhouseSink';
import { ApiSource } from '../pipelines/io/http/apiSource';
import { GroupCatalog } from '../pipelines/io/http/groupCatalog';
import { AccuracyAccumulator } from '../pipelines/forecast/forecastAccuracy';

/**
 * The JSON API's reads for `derstream run`: groups from the membership the pipeline
 * follows, statuses and forecasts from ClickHouse (so they survive restarts and are
 * the same on every instance), and each status version as it is published.
 */
export function liveApiSource(
  sink: ClickhouseSink,
  catalog: GroupCatalog,
  statusVersions: Subject<GroupStatus>,
  accuracy: AccuracyAccumulator,
): ApiSource {
  return {
    groups: (filter, offset, limit) => catalog.groups(filter, offset, limit),
    groupHistory: (groupId) => catalog.groupHistory(groupId),
    latestStatuses: async (groupIds) =>
      (await sink.statuses({ groupIds: groupIds ?? [] })).sort((a, b) => (a.groupId < b.groupId ? -1 : 1)),
    // The API's range is half-open [from, to); the store's is closed.
    statusHistory: (groupId, from, to) => sink.statuses({ groupIds: [groupId], from, to: to - 1 }),
    latestForecast: async (groupId, parameter) =>
      (await sink.latestForecasts({ groupIds: [groupId], parameters: [parameter] }))[0],
    // Since this process started (and rebuilt its forecaster): the series and the fleet's figures.
    accuracy: (groupId) => {
      const summary = accuracy.summary();
      return Promise.resolve(
        groupId === undefined ? summary.overall : summary.series.filter((s) => s.groupId === groupId),
      );
    },
    statusVersions,
  };
}
