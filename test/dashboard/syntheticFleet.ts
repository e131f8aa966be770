import { Subject } from 'rxjs';
import { seededRandom } from '../../benchmarks/simulator/fleet';
import { GroupStatus } from '../../pipelines/aggregate/groupStatus';
import { ForecastParameter } from '../../pipelines/forecast/forecastConfig';
import { IssuedForecast } from '../../pipelines/forecast/issuedForecast';
import { ApiSource, GroupSummary } from '../../pipelines/io/http/apiSource';
import { GroupVersion } from '../../pipelines/membership/groupVersion';

const MINUTE = 60_000;
const FORECAST_INTERVAL = 15 * MINUTE;

export interface SyntheticFleet {
  source: ApiSource;
  groupIds: string[];
  /** The newest window end with statuses. */
  latestWindowEnd: number;
  /** The status of a group for the window ending at `windowEnd` (version 1). */
  statusAt(groupId: string, windowEnd: number): GroupStatus;
  /** Publishes a status version on the stream, as the pipeline would. */
  publish(status: GroupStatus): void;
}

/**
 * An ApiSource of `groups` groups with one status per group and minute up to `now`,
 * computed on demand (a fleet of 10,000 groups costs nothing until asked), and an
 * activePower forecast for the groups `withForecast` says. Deterministic per group.
 */
export function syntheticFleet(options: {
  groups: number;
  now: number;
  withForecast?: (index: number) => boolean;
}): SyntheticFleet {
  const groupIds = Array.from(
    { length: options.groups },
    (_, i) => `feeder-${String(i + 1).padStart(5, '0')}`,
  );
  const index = new Map(groupIds.map((id, i) => [id, i]));
  const latestWindowEnd = Math.floor(options.now / MINUTE) * MINUTE;
  const statusVersions = new Subject<GroupStatus>();

  // Each group's constants, drawn once (a page of the group list must not redraw 10,000 of them).
  const shapes = groupIds.map((_, i) => {
    const random = seededRandom(i + 1);
    return {
      members: 5 + Math.floor(random() * 120),
      rated: 3000 + random() * 4000,
      quality: random() < 0.08 ? random() * 0.6 : 0.9 + random() * 0.1,
      storage: random() < 0.5,
      phase: random() * Math.PI * 2,
    };
  });
  const shape = (i: number) => shapes[i]!;
  const summaries: GroupSummary[] = groupIds.map((groupId, i) => ({
    groupId,
    name: `Feeder ${i + 1}`,
    effectiveFrom: 0,
    memberCount: shapes[i]!.members,
  }));
  const powerAt = (i: number, t: number) => {
    const s = shape(i);
    const day = Math.sin(((t / 3_600_000) % 24) * (Math.PI / 12) + s.phase);
    return s.members * s.rated * 0.4 * (0.6 + 0.4 * day);
  };

  const statusAt = (groupId: string, windowEnd: number): GroupStatus => {
    const i = index.get(groupId) ?? 0;
    const s = shape(i);
    const wobble = seededRandom(i * 7919 + windowEnd / MINUTE)();
    const fresh = Math.max(0, Math.min(s.members, Math.round(s.members * s.quality - wobble * 2)));
    const reporting = Math.max(0, fresh - Math.round(wobble * 3));
    const stale = Math.round((s.members - fresh) * 0.7);
    const activePower = (powerAt(i, windowEnd) * fresh) / s.members;
    const max = fresh * s.rated;
    const min = s.storage ? -fresh * s.rated * 0.3 : 0;
    return {
      groupId,
      windowStart: windowEnd - MINUTE,
      windowEnd,
      version: 1,
      members: s.members,
      reporting,
      fresh,
      stale,
      silent: s.members - fresh - stale,
      connected: fresh,
      activePower,
      reactivePower: null,
      maxActivePower: max,
      minActivePower: min,
      headroomUp: max - activePower,
      headroomDown: activePower - min,
      stateOfCharge: s.storage ? 50 + 30 * Math.sin(windowEnd / 3_600_000 + s.phase) : null,
      storedEnergy: s.storage ? fresh * 13_500 * 0.5 : null,
      voltageMin: 228 + wobble * 3,
      voltageMax: 236 + wobble * 4,
    };
  };

  const forecastOf = (groupId: string, parameter: ForecastParameter): IssuedForecast | undefined => {
    const i = index.get(groupId);
    if (i === undefined || parameter !== 'activePower' || !(options.withForecast?.(i) ?? false))
      return undefined;
    const issuedAt = Math.floor(options.now / FORECAST_INTERVAL) * FORECAST_INTERVAL - FORECAST_INTERVAL;
    return {
      groupId,
      parameter,
      method: 'holtWinters',
      issuedAt,
      intervalMs: FORECAST_INTERVAL,
      points: Array.from({ length: 24 }, (_, j) => {
        const start = issuedAt + j * FORECAST_INTERVAL;
        const p50 = powerAt(i, start + FORECAST_INTERVAL) * shape(i).quality;
        const spread = p50 * (0.05 + j * 0.01);
        return { intervalNumber: j + 1, start, p10: p50 - spread, p50, p90: p50 + spread };
      }),
    };
  };

  const versionOf = (groupId: string): GroupVersion => {
    const i = index.get(groupId)!;
    return {
      groupId,
      effectiveFrom: 0,
      name: summaries[i]!.name,
      deleted: false,
      members: Array.from({ length: shape(i).members }, (_, m) => ({
        deviceId: `${groupId}-der-${m + 1}`,
        ratedPower: Math.round(shape(i).rated),
      })),
    };
  };

  const source: ApiSource = {
    async groups(filter, offset, limit) {
      const text = filter.text?.toLowerCase();
      const matches = summaries.filter(
        (g) => text === undefined || g.groupId.includes(text) || g.name!.toLowerCase().includes(text),
      );
      return { total: matches.length, items: matches.slice(offset, offset + limit) };
    },
    async groupHistory(groupId) {
      return index.has(groupId) ? [versionOf(groupId)] : [];
    },
    async latestStatuses(ids) {
      return (ids ?? groupIds).filter((id) => index.has(id)).map((id) => statusAt(id, latestWindowEnd));
    },
    async statusHistory(groupId, from, to) {
      if (!index.has(groupId)) return [];
      const statuses: GroupStatus[] = [];
      for (let end = Math.ceil(from / MINUTE) * MINUTE; end < to && end <= latestWindowEnd; end += MINUTE) {
        statuses.push(statusAt(groupId, end));
      }
      return statuses;
    },
    async latestForecast(groupId, parameter) {
      return forecastOf(groupId, parameter);
    },
    async accuracy() {
      return [];
    },
    statusVersions,
  };

  return {
    source,
    groupIds,
    latestWindowEnd,
    statusAt,
    publish: (status) => statusVersions.next(status),
  };
}
