import { Observable } from 'rxjs';
import { GroupStatus } from '../../aggregate/groupStatus';
import { ForecastParameter } from '../../forecast/forecastConfig';
import { OverallAccuracy } from '../../forecast/forecastAccuracy';
import { IssuedForecast } from '../../forecast/issuedForecast';
import { GroupVersion } from '../../membership/groupVersion';

/**
 * Everything the JSON API reads, behind one interface so the server knows nothing of
 * ClickHouse or Kafka: the live topology implements it on its stores, tests in memory.
 * A method that throws a retriable DerstreamError (a store briefly away) answers 503,
 * any other error 500.
 */
export interface ApiSource {
  /** Groups that exist now, sorted by mRID, `total` counting every match. */
  groups(filter: GroupFilter, offset: number, limit: number): Promise<Page<GroupSummary>>;
  /** Every version of the group, deletions included, sorted by effectiveFrom; empty when unknown. */
  groupHistory(groupId: string): Promise<readonly GroupVersion[]>;
  /** The latest version of the newest window of each group (of `groupIds` when given), sorted by group. */
  latestStatuses(groupIds?: readonly string[]): Promise<GroupStatus[]>;
  /** The latest version of each window of the group with `from <= windowEnd < to`, by windowEnd. */
  statusHistory(groupId: string, from: number, to: number): Promise<GroupStatus[]>;
  /** The most recently published forecast of that group and parameter. */
  latestForecast(groupId: string, parameter: ForecastParameter): Promise<IssuedForecast | undefined>;
  /**
   * Forecast accuracy per parameter and method: the group's series (SeriesAccuracy, which
   * adds `groupId`) when one is given, else over all groups (AccuracySummary.overall).
   */
  accuracy(groupId?: string): Promise<readonly OverallAccuracy[]>;
  /** Every status version as it is published (hot: a subscriber sees what comes after it subscribed). */
  readonly statusVersions: Observable<GroupStatus>;
}

export interface GroupFilter {
  /** Case-insensitive part of the mRID or the name. */
  text?: string;
  /** Only groups that have this device as a member. */
  deviceId?: string;
}

export interface Page<T> {
  total: number;
  items: T[];
}

/** A group as it is now: its version in force. */
export interface GroupSummary {
  groupId: string;
  name?: string;
  effectiveFrom: number;
  memberCount: number;
}
