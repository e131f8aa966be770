import { Subject } from 'rxjs';
import { GroupStatus } from '../../../../pipelines/aggregate/groupStatus';
import { OverallAccuracy, SeriesAccuracy } from '../../../../pipelines/forecast/forecastAccuracy';
import { IssuedForecast } from '../../../../pipelines/forecast/issuedForecast';
import { ApiSource } from '../../../../pipelines/io/http/apiSource';
import { GroupCatalog } from '../../../../pipelines/io/http/groupCatalog';
import { HttpConfig, parseHttpConfig } from '../../../../pipelines/io/http/httpConfig';
import {
  HttpServerOptions,
  RunningHttpServer,
  startHttpServer,
} from '../../../../pipelines/io/http/httpServer';
import { PipelineMetrics } from '../../../../pipelines/io/http/pipelineMetrics';
import { GroupVersion } from '../../../../pipelines/membership/groupVersion';
import { MembershipState } from '../../../../pipelines/membership/membershipState';
import { defaultSemantics, StatusEngine } from '../../../../pipelines/statusEngine';
import { reading } from '../../../support/readings';

/** The tests' wall clock: 2026-01-01T00:10:00Z. */
export const NOW = Date.UTC(2026, 0, 1, 0, 10);
const MINUTE = 60_000;

/** Two feeders, one group already deleted, and a change to feeder-01 that is not in force yet. */
export const GROUPS: GroupVersion[] = [
  {
    groupId: 'feeder-01',
    effectiveFrom: 0,
    name: 'Feeder 1',
    deleted: false,
    members: [
      { deviceId: 'pv-1', ratedPower: 5000 },
      { deviceId: 'bat-1', ratedPower: 3000, ratedEnergy: 13_500 },
    ],
  },
  {
    groupId: 'feeder-01',
    effectiveFrom: NOW + 60 * MINUTE,
    name: 'Feeder 1',
    deleted: false,
    members: [{ deviceId: 'pv-1' }, { deviceId: 'bat-1' }, { deviceId: 'ev-1' }],
  },
  {
    groupId: 'feeder-02',
    effectiveFrom: 0,
    name: 'North Substation',
    deleted: false,
    members: [{ deviceId: 'pv-2' }, { deviceId: 'bat-1' }],
  },
  { groupId: 'retired', effectiveFrom: 0, name: 'Retired', deleted: false, members: [{ deviceId: 'pv-9' }] },
  { groupId: 'retired', effectiveFrom: NOW - 5 * MINUTE, deleted: true, members: [] },
];

/** Statuses the real engine computes for the groups above from a few readings in the minutes before NOW. */
export function engineStatuses(): GroupStatus[] {
  const membership = new MembershipState();
  for (const version of GROUPS) membership.apply(version);
  const engine = new StatusEngine(defaultSemantics(), membership);
  const start = NOW - 8 * MINUTE;
  const out = [];
  for (let minute = 0; minute < 6; minute++) {
    const ts = start + minute * MINUTE + 10_000;
    out.push(...engine.reading(0, reading('pv-1', ts, { activePower: 4000 + minute }), ts));
    out.push(...engine.reading(0, reading('bat-1', ts, { activePower: -1000, stateOfCharge: 50 }), ts));
    out.push(...engine.reading(0, reading('pv-2', ts, { activePower: 2000 }), ts));
  }
  out.push(...engine.flush());
  return out.flatMap((o) => (o.kind === 'status' ? [o.status] : []));
}

export const FORECAST: IssuedForecast = {
  groupId: 'feeder-01',
  parameter: 'activePower',
  method: 'persistence',
  issuedAt: NOW,
  intervalMs: 15 * MINUTE,
  points: [
    { intervalNumber: 1, start: NOW + 5 * MINUTE, p10: 2000, p50: 3000, p90: 4000 },
    { intervalNumber: 2, start: NOW + 20 * MINUTE, p10: 1900, p50: 2900, p90: 3900 },
  ],
};

export const FLEET_ACCURACY: OverallAccuracy[] = [
  {
    parameter: 'activePower',
    method: 'persistence',
    n: 192,
    mae: 120.5,
    rmae: 0.04,
    skill: 0,
    coverage: 0.8,
  },
  {
    parameter: 'activePower',
    method: 'holtWinters',
    n: 192,
    mae: 100.5,
    rmae: 0.03,
    skill: 0.17,
    coverage: 0.75,
  },
];

export const GROUP_ACCURACY: SeriesAccuracy[] = [
  {
    groupId: 'feeder-01',
    parameter: 'activePower',
    method: 'persistence',
    n: 96,
    mae: 130,
    rmae: null,
    skill: null,
    coverage: 0.5,
  },
];

/** An ApiSource in memory over the groups and engine statuses above; `push` publishes a status version. */
export class MemorySource implements ApiSource {
  readonly membership = new MembershipState();
  readonly catalog = new GroupCatalog(this.membership, () => NOW);
  readonly published = new Subject<GroupStatus>();
  readonly statusVersions = this.published.asObservable();
  readonly statuses = engineStatuses();

  constructor() {
    for (const version of GROUPS) this.membership.apply(version);
  }

  groups: ApiSource['groups'] = (filter, offset, limit) => this.catalog.groups(filter, offset, limit);
  groupHistory: ApiSource['groupHistory'] = (groupId) => this.catalog.groupHistory(groupId);

  async latestStatuses(groupIds?: readonly string[]): Promise<GroupStatus[]> {
    const latest = new Map<string, GroupStatus>();
    for (const status of this.statuses) {
      if (groupIds !== undefined && !groupIds.includes(status.groupId)) continue;
      const known = latest.get(status.groupId);
      if (
        known === undefined ||
        status.windowEnd > known.windowEnd ||
        (status.windowEnd === known.windowEnd && status.version > known.version)
      ) {
        latest.set(status.groupId, status);
      }
    }
    return [...latest.values()].sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  async statusHistory(groupId: string, from: number, to: number): Promise<GroupStatus[]> {
    return this.statuses.filter((s) => s.groupId === groupId && s.windowEnd >= from && s.windowEnd < to);
  }

  latestForecast: ApiSource['latestForecast'] = async (groupId, parameter) =>
    groupId === FORECAST.groupId && parameter === FORECAST.parameter ? FORECAST : undefined;

  accuracy: ApiSource['accuracy'] = async (groupId) =>
    groupId === undefined ? FLEET_ACCURACY : GROUP_ACCURACY.filter((a) => a.groupId === groupId);
}

/** The config a test server runs with: an ephemeral loopback port, no dashboard, tokens as given. */
export function testConfig(overrides: Partial<HttpConfig> = {}): HttpConfig {
  return {
    ...parseHttpConfig({ DERSTREAM_HTTP_PORT: '0', DERSTREAM_HTTP_HOST: '127.0.0.1' }),
    dashboardDir: undefined,
    ...overrides,
  };
}

export interface TestServer extends RunningHttpServer {
  source: MemorySource;
  metrics: PipelineMetrics;
  logs: string[];
  get(path: string, headers?: Record<string, string>): Promise<Response>;
}

export async function startTestServer(
  config: Partial<HttpConfig> = {},
  options: Partial<HttpServerOptions> = {},
): Promise<TestServer> {
  const source = new MemorySource();
  const metrics = new PipelineMetrics();
  const logs: string[] = [];
  const server = await startHttpServer({
    config: testConfig(config),
    source,
    readiness: [],
    metrics,
    log: (line) => logs.push(line),
    now: () => NOW,
    ...options,
  });
  return {
    url: server.url,
    port: server.port,
    close: server.close,
    source,
    metrics,
    logs,
    get: (path, headers = {}) => fetch(`${server.url}${path}`, { headers }),
  };
}

/** Reads server-sent events from a response body: each call yields the next event, or undefined at the end. */
export class EventReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = '';

  constructor(response: Response) {
    this.reader = response.body!.getReader();
  }

  /** The next block: an event `{event, data}` or a comment `{comment}`. */
  async next(): Promise<{ event?: string; data?: string; comment?: string } | undefined> {
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        if (block.startsWith(':')) return { comment: block.slice(1).trim() };
        const fields = Object.fromEntries(
          block
            .split('\n')
            .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
        );
        return { event: fields.event, data: fields.data };
      }
      const { done, value } = await this.reader.read();
      if (done) return undefined;
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  cancel(): Promise<void> {
    return this.reader.cancel();
  }
}
