import { toCanonicalJson } from '../../../../pipelines/aggregate/groupStatus';
import { ServiceUnavailableError } from '../../../../pipelines/errors';
import {
  FLEET_ACCURACY,
  FORECAST,
  GROUP_ACCURACY,
  GROUPS,
  NOW,
  startTestServer,
  TestServer,
} from './httpFixtures';

const MINUTE = 60_000;

/** What the tests read from API answers; toEqual checks the rest. */
interface ApiBody {
  items: { groupId: string }[];
  message: string;
  [field: string]: unknown;
}

describe('the JSON API', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const json = async (path: string, status = 200) => {
    const response = await server.get(path);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as ApiBody;
    expect({ status: response.status, body }).toEqual({ status, body: expect.anything() });
    return body;
  };

  describe('GET /api/groups', () => {
    it('lists the groups in force now, by mRID, without deleted ones', async () => {
      expect(await json('/api/groups')).toEqual({
        total: 2,
        offset: 0,
        limit: 100,
        items: [
          { groupId: 'feeder-01', name: 'Feeder 1', effectiveFrom: 0, memberCount: 2 },
          { groupId: 'feeder-02', name: 'North Substation', effectiveFrom: 0, memberCount: 2 },
        ],
      });
    });

    it('pages, counting every match', async () => {
      const page = await json('/api/groups?offset=1&limit=1');
      expect(page).toMatchObject({ total: 2, offset: 1, limit: 1 });
      expect(page.items.map((g) => g.groupId)).toEqual(['feeder-02']);
      expect((await json('/api/groups?offset=5')).items).toEqual([]);
    });

    it('filters by part of the mRID or name, case-insensitive, and by member device', async () => {
      const ids = async (query: string) => (await json(`/api/groups?${query}`)).items.map((g) => g.groupId);
      expect(await ids('q=NORTH')).toEqual(['feeder-02']);
      expect(await ids('q=-01')).toEqual(['feeder-01']);
      expect(await ids('device=bat-1')).toEqual(['feeder-01', 'feeder-02']);
      expect(await ids('device=pv-2')).toEqual(['feeder-02']);
      expect(await ids('device=ev-1')).toEqual([]);
      expect(await ids('q=feeder&device=pv-1')).toEqual(['feeder-01']);
      expect(await ids('q=retired')).toEqual([]);
    });
  });

  describe('GET /api/groups/:groupId', () => {
    it('gives the members in force now and every version, future ones included', async () => {
      expect(await json('/api/groups/feeder-01')).toEqual({
        groupId: 'feeder-01',
        current: { effectiveFrom: 0, name: 'Feeder 1', members: GROUPS[0]!.members },
        versions: [
          { effectiveFrom: 0, name: 'Feeder 1', deleted: false, memberCount: 2 },
          { effectiveFrom: NOW + 60 * MINUTE, name: 'Feeder 1', deleted: false, memberCount: 3 },
        ],
      });
    });

    it('has no current version once deleted, and keeps its history', async () => {
      expect(await json('/api/groups/retired')).toEqual({
        groupId: 'retired',
        current: null,
        versions: [
          { effectiveFrom: 0, name: 'Retired', deleted: false, memberCount: 1 },
          { effectiveFrom: NOW - 5 * MINUTE, deleted: true, memberCount: 0 },
        ],
      });
    });

    it('answers 404 with a JSON body for an unknown group, and decodes the path', async () => {
      expect(await json('/api/groups/nope', 404)).toEqual({ error: 'not_found', message: 'no group nope' });
      expect(await json(`/api/groups/${encodeURIComponent('a b/c')}`, 404)).toMatchObject({
        message: 'no group a b/c',
      });
    });
  });

  describe('GET /api/statuses', () => {
    it('gives the latest status of every group, in canonical JSON', async () => {
      const response = await server.get('/api/statuses');
      const latest = ['feeder-01', 'feeder-02'].map(
        (id) =>
          server.source.statuses.filter((s) => s.groupId === id && s.windowEnd === NOW - 2 * MINUTE)[0]!,
      );
      expect(await response.text()).toBe(`{"items":[${latest.map(toCanonicalJson).join(',')}]}`);
    });

    it('of the groups given, comma-separated or repeated', async () => {
      const groups = async (query: string) =>
        (await json(`/api/statuses?${query}`)).items.map((s) => s.groupId);
      expect(await groups('group=feeder-02')).toEqual(['feeder-02']);
      expect(await groups('group=feeder-02,feeder-01')).toEqual(['feeder-01', 'feeder-02']);
      expect(await groups('group=feeder-02&group=feeder-01')).toEqual(['feeder-01', 'feeder-02']);
      expect(await groups('group=unknown')).toEqual([]);
    });
  });

  describe('GET /api/groups/:groupId/statuses', () => {
    it('gives the statuses whose window ends in [from, to), as epoch ms or ISO 8601', async () => {
      const from = NOW - 6 * MINUTE;
      const to = NOW - 3 * MINUTE;
      const expected = server.source.statuses.filter(
        (s) => s.groupId === 'feeder-01' && s.windowEnd >= from && s.windowEnd < to,
      );
      expect(expected).toHaveLength(3);
      const response = await server.get(`/api/groups/feeder-01/statuses?from=${from}&to=${to}`);
      expect(await response.text()).toBe(
        `{"groupId":"feeder-01","from":${from},"to":${to},"items":[${expected.map(toCanonicalJson).join(',')}]}`,
      );
      const iso = await json(
        `/api/groups/feeder-01/statuses?from=${new Date(from).toISOString()}&to=2026-01-01T01:07:00%2B01:00`,
      );
      expect(iso).toMatchObject({ from, to });
      expect(iso.items).toHaveLength(3);
    });

    it('answers 404 for a group never heard of, and an empty list for a known one with no status then', async () => {
      expect(await json('/api/groups/nope/statuses', 404)).toEqual({
        error: 'not_found',
        message: 'no group nope',
      });
      expect(await json('/api/groups/nope/forecast', 404)).toEqual({
        error: 'not_found',
        message: 'no group nope',
      });
      const body = await json(`/api/groups/feeder-01/statuses?from=0&to=${MINUTE}`);
      expect(body.items).toEqual([]);
    });

    it('defaults to the day before now', async () => {
      const body = await json('/api/groups/feeder-02/statuses');
      expect(body).toMatchObject({ from: NOW - 24 * 60 * MINUTE, to: NOW });
      expect(body.items).toHaveLength(6);
    });
  });

  describe('forecasts and accuracy', () => {
    it('gives the latest forecast of a group and parameter', async () => {
      expect(await json('/api/groups/feeder-01/forecast')).toEqual(FORECAST);
      expect(await json('/api/groups/feeder-01/forecast?parameter=activePower')).toEqual(FORECAST);
      expect(await json('/api/groups/feeder-01/forecast?parameter=stateOfCharge', 404)).toEqual({
        error: 'not_found',
        message: 'no stateOfCharge forecast for group feeder-01 yet',
      });
    });

    it('gives accuracy for the fleet or one group', async () => {
      expect(await json('/api/accuracy')).toEqual({ items: FLEET_ACCURACY });
      expect(await json('/api/accuracy?group=feeder-01')).toEqual({ items: GROUP_ACCURACY });
      expect(await json('/api/accuracy?group=feeder-02')).toEqual({ items: [] });
    });
  });

  describe('bad parameters', () => {
    it.each(
      [
        ['/api/groups?limit=0', 'limit', '"0" must be an integer from 1 to 1000'],
        ['/api/groups?limit=1001', 'limit', '"1001" must be an integer from 1 to 1000'],
        ['/api/groups?limit=ten', 'limit', '"ten" must be an integer from 1 to 1000'],
        ['/api/groups?offset=-1', 'offset', 'must be an integer from 0'],
        ['/api/groups?offset=1.5', 'offset', 'must be an integer'],
        ['/api/groups?limit=1&limit=2', 'limit', 'given more than once'],
        ['/api/groups?limit=', 'limit', 'is empty'],
        [
          '/api/groups?grup=feeder',
          'grup',
          'unknown parameter (this endpoint takes q, device, offset, limit)',
        ],
        [`/api/groups?q=${'x'.repeat(257)}`, 'q', 'at most 256 printable characters'],
        ['/api/groups?device=a%00b', 'device', 'must be an mRID'],
        ['/api/groups/feeder-01?at=1', 'at', 'unknown parameter (this endpoint takes no parameters)'],
        [`/api/groups/${'g'.repeat(300)}`, 'groupId', 'must be an mRID of 1 to 256 printable characters'],
        [`/api/groups/${'g'.repeat(5000)}`, 'groupId', 'must be an mRID of 1 to 256 printable characters'],
        ['/api/groups/feeder-01/statuses?from=yesterday', 'from', '"yesterday" is not a time'],
        ['/api/groups/feeder-01/statuses?to=2026-01-01T00:00:00', 'to', 'is not a time'],
        ['/api/groups/feeder-01/statuses?from=2000&to=1000', 'from', '2000 must be before to (1000)'],
        ['/api/groups/feeder-01/statuses?from=0&to=604800001', 'from', 'longer than 7 days'],
        [
          '/api/groups/feeder-01/forecast?parameter=voltage',
          'parameter',
          'must be one of activePower, reactivePower,',
        ],
        ['/api/statuses?group=a,,b', 'group', 'must be an mRID'],
        [
          `/api/statuses?group=${Array.from({ length: 1001 }, (_, i) => `g${i}`).join(',')}`,
          'group',
          'at most 1000',
        ],
        ['/api/accuracy?group=a&group=b', 'group', 'given more than once'],
        ['/api/stream?groups=a', 'groups', 'unknown parameter'],
      ].map(([path, parameter, message]) => ({ path: path!, parameter: parameter!, message: message! })),
    )('400 naming $parameter: $message', async ({ path, parameter, message }) => {
      const body = await json(path, 400);
      expect(body).toEqual({ error: 'bad_parameter', parameter, message: expect.stringContaining(message) });
      expect(body.message.startsWith(`${parameter}: `)).toBe(true);
    });
  });

  it('answers 400 in JSON for a malformed URL', async () => {
    expect(await json('/api/groups/%zz', 400)).toEqual({
      error: 'bad_request',
      message: "'/api/groups/%zz' is not a valid url component",
    });
  });

  it('answers 404 in JSON for an unknown route, without echoing the query', async () => {
    expect(await json('/api/nothing?token=abc', 404)).toEqual({
      error: 'not_found',
      message: 'no route GET /api/nothing',
    });
  });
});

describe('the JSON API when its source fails', () => {
  it('answers 503 to a retriable error, 500 to another, and logs both by route', async () => {
    const server = await startTestServer();
    try {
      server.source.latestStatuses = async () => {
        throw new ServiceUnavailableError('clickhouse', 'DERSTREAM_CHDB_PATH', 'busy');
      };
      server.source.groupHistory = async () => {
        throw new Error('bug');
      };
      const unavailable = await server.get('/api/statuses');
      expect({ status: unavailable.status, body: await unavailable.json() }).toEqual({
        status: 503,
        body: { error: 'unavailable', message: 'clickhouse (DERSTREAM_CHDB_PATH): busy' },
      });
      const failed = await server.get('/api/groups/feeder-01');
      expect({ status: failed.status, body: await failed.json() }).toEqual({
        status: 500,
        body: { error: 'internal', message: 'internal error' },
      });
      expect(server.logs).toEqual(
        expect.arrayContaining([
          'http: GET /api/statuses: clickhouse (DERSTREAM_CHDB_PATH): busy',
          'http: GET /api/groups/:groupId: bug',
        ]),
      );
    } finally {
      await server.close();
    }
  });
});
