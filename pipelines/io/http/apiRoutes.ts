import { FastifyInstance, FastifyReply } from 'fastify';
import { GroupStatus, toCanonicalJson } from '../../aggregate/groupStatus';
import { FORECAST_PARAMETERS } from '../../forecast/forecastConfig';
import { ApiSource } from './apiSource';
import { inForce } from './groupCatalog';
import { BadParameterError, NotFoundError } from './httpErrors';
import { checkId, QueryParameters } from './queryParameters';
import { StatusStreams } from './statusStream';

const MAX_PAGE = 1000;
const MAX_GROUP_IDS = 1000;
const DAY_MS = 86_400_000;
/** A week of one-minute windows is about 10,000 statuses, some 4 MB of JSON: enough for one answer. */
const MAX_HISTORY_MS = 7 * DAY_MS;

type GroupRequest = { Params: { groupId: string } };

/**
 * The JSON API under `/api`. Statuses are written in their canonical JSON form
 * (SEMANTICS.md §4: fixed field order), the same bytes as on `der.statuses`. Times are
 * epoch milliseconds; query times may also be ISO 8601 instants.
 *
 * - `GET /api/groups?q=&device=&offset=0&limit=100`: groups that exist now, by mRID,
 *   `q` matching part of the mRID or name, `device` a member.
 * - `GET /api/groups/:groupId`: the version in force now with its members (`current`,
 *   null once deleted) and every version.
 * - `GET /api/groups/:groupId/statuses?from=&to=`: the latest version of each window
 *   ending in `[from, to)`; `to` defaults to now, `from` to a day before `to`, at most 7 days.
 * - `GET /api/groups/:groupId/forecast?parameter=activePower`: the latest issued forecast.
 * - `GET /api/statuses?group=a,b`: the latest status of every group, or of those given.
 * - `GET /api/accuracy?group=`: forecast accuracy of one group, or of the fleet.
 * - `GET /api/stream?group=a,b`: status versions as server-sent events (statusStream.ts).
 */
export function registerApiRoutes(
  app: FastifyInstance,
  source: ApiSource,
  streams: StatusStreams,
  now: () => number,
): void {
  const config = { access: 'api' } as const;

  app.get('/api/groups', { config }, async (request) => {
    const query = new QueryParameters(request.query, ['q', 'device', 'offset', 'limit']);
    const filter = { text: query.text('q', 256), deviceId: query.id('device') };
    const offset = query.integer('offset', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = query.integer('limit', 100, 1, MAX_PAGE);
    const page = await source.groups(filter, offset, limit);
    return { total: page.total, offset, limit, items: page.items };
  });

  // An empty answer about a group never heard of would read as a quiet group: 404, as its page.
  const knownGroup = async (groupId: string) => {
    if ((await source.groupHistory(groupId)).length === 0) throw new NotFoundError(`no group ${groupId}`);
  };

  app.get<GroupRequest>('/api/groups/:groupId', { config }, async (request) => {
    new QueryParameters(request.query, []); // takes none: refuses any, as a typo would otherwise pass
    const groupId = checkId('groupId', request.params.groupId);
    const history = await source.groupHistory(groupId);
    if (history.length === 0) throw new NotFoundError(`no group ${groupId}`);
    const current = inForce(history, now());
    return {
      groupId,
      current:
        current === undefined
          ? null
          : { effectiveFrom: current.effectiveFrom, name: current.name, members: current.members },
      versions: history.map((version) => ({
        effectiveFrom: version.effectiveFrom,
        name: version.name,
        deleted: version.deleted,
        memberCount: version.members.length,
      })),
    };
  });

  app.get<GroupRequest>('/api/groups/:groupId/statuses', { config }, async (request, reply) => {
    const query = new QueryParameters(request.query, ['from', 'to']);
    const groupId = checkId('groupId', request.params.groupId);
    const to = query.time('to', now());
    const from = query.time('from', to - DAY_MS);
    if (from >= to) throw new BadParameterError('from', `${from} must be before to (${to})`);
    if (to - from > MAX_HISTORY_MS) {
      throw new BadParameterError('from', `the range from ${from} to ${to} is longer than 7 days`);
    }
    const statuses = await source.statusHistory(groupId, from, to);
    if (statuses.length === 0) await knownGroup(groupId);
    return sendJson(
      reply,
      `{"groupId":${JSON.stringify(groupId)},"from":${from},"to":${to},"items":${canonical(statuses)}}`,
    );
  });

  app.get<GroupRequest>('/api/groups/:groupId/forecast', { config }, async (request) => {
    const query = new QueryParameters(request.query, ['parameter']);
    const groupId = checkId('groupId', request.params.groupId);
    const parameter = query.oneOf('parameter', FORECAST_PARAMETERS, 'activePower');
    const forecast = await source.latestForecast(groupId, parameter);
    if (forecast === undefined) {
      await knownGroup(groupId);
      throw new NotFoundError(`no ${parameter} forecast for group ${groupId} yet`);
    }
    return forecast;
  });

  app.get('/api/statuses', { config }, async (request, reply) => {
    const query = new QueryParameters(request.query, ['group']);
    const statuses = await source.latestStatuses(query.idList('group', MAX_GROUP_IDS));
    return sendJson(reply, `{"items":${canonical(statuses)}}`);
  });

  app.get('/api/accuracy', { config }, async (request) => {
    const query = new QueryParameters(request.query, ['group']);
    return { items: await source.accuracy(query.id('group')) };
  });

  app.get('/api/stream', { config }, async (request, reply) => {
    const query = new QueryParameters(request.query, ['group']);
    const groups = query.idList('group', MAX_GROUP_IDS);
    reply.hijack();
    streams.serve(reply.raw, groups === undefined ? undefined : new Set(groups));
  });
}

function canonical(statuses: readonly GroupStatus[]): string {
  return `[${statuses.map(toCanonicalJson).join(',')}]`;
}

function sendJson(reply: FastifyReply, json: string): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(json);
}
