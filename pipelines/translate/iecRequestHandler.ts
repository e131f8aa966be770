import { GroupStatus } from '../aggregate/groupStatus';
import { DerstreamError } from '../errors';
import { GroupVersion } from '../membership/groupVersion';
import { toDerGroupsProfile } from './derGroups';
import {
  DerGroupForecastsOptions,
  ForecastToTranslate,
  isTranslatable,
  toDerGroupForecastsProfile,
} from './derGroupForecasts';
import { toDerGroupStatusesProfile } from './derGroupStatuses';
import {
  ForecastQuery,
  GroupQuery,
  GroupsRequest,
  IecRequest,
  OperationSetRequest,
  readIecRequest,
  RequestEnvelope,
  StatusQuery,
  UnreadableRequest,
} from './iecRequest';
import { ReplyError, ReplyResult, resultOf, toResponseMessage } from './iecReply';

/** What answering needs from the rest of the pipeline: reads of its state, and the one write. */
export interface IecRequestPorts {
  /** Statuses (latest version of each window) of these groups (all when empty): windows ending in [from, to], or each group's newest when neither is given. */
  statuses(query: { groupIds: string[]; from?: number; to?: number }): Promise<GroupStatus[]>;
  /** Each group's newest issued forecast of each parameter, with intervals starting at or after `from`. */
  forecasts(query: {
    groupIds: string[];
    parameters: string[];
    from: number;
  }): Promise<ForecastToTranslate[]>;
  /** A group's newest membership version, deleted or not; undefined when never known. */
  latestVersion(groupId: string): GroupVersion | undefined;
  /** Every group ever known. */
  groupIds(): string[];
  /** Makes group versions durable and in force (published to `der.groups` and applied); resolves when both are done. */
  applyGroupVersions(versions: GroupVersion[]): Promise<void>;
}

export interface IecHandlerOptions {
  /** Header/Source of replies. */
  source: string;
  maxRequestBytes?: number;
  now: () => number;
  /** A fresh MessageID (UUID) per reply. */
  newMessageId: () => string;
  forecasts?: DerGroupForecastsOptions;
}

export interface IecReply {
  xml: string;
  result: ReplyResult;
  /** The request's ReplyAddress, when it gave one. */
  replyAddress?: string;
  /** The request's MessageID, echoed as the reply's CorrelationID. */
  correlationId?: string;
}

/** What the draft's DERParameterKind `activePower` stands for among our forecast parameters. */
const FORECAST_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  activePower: ['activePower', 'maxActivePower', 'minActivePower'],
  reactivePower: ['reactivePower'],
  stateOfCharge: ['stateOfCharge'],
};

/**
 * Answers one IEC 61968-100 request (from `dms.requests` or `POST /iec`: same handler):
 * reads and validates it, acts, and writes the ResponseMessage. Never throws for bad
 * input: every refusal is a FAILED reply with an Error naming the problem. Errors
 * thrown by the ports (a store that is down) propagate, so the caller retries the
 * request rather than answering it wrongly.
 *
 * - Status queries: the latest status of each group, or every window ending within
 *   StartTime..EndTime; an mRID that is neither a known group nor has statuses is an
 *   `UNKNOWN_GROUP` error (PARTIAL when other groups were answered).
 * - Forecast queries: per group the newest forecast of each parameter asked for
 *   (`activePower` answers our activePower, maxActivePower and minActivePower
 *   forecasts), cut to the intervals from the first DispatchSchedule's startTime on, at
 *   most numberOfIntervals of them.
 * - Group queries: the current membership of each group (all groups when none named).
 * - Create/Change/Delete: per EndDeviceGroup; creating a group that exists, or changing
 *   or deleting one that does not, is an error for that group only. A change keeps the
 *   nameplate (ratedPower/ratedEnergy) of members that stay, since the IEC profile
 *   cannot carry it. The versions that pass are made durable before the reply says OK.
 * - ExecuteDERGroupsOperationSet: the operations in order, each checked against the
 *   state the earlier ones left; with enforceTransactionalIntegrity, one failure fails
 *   them all and nothing is applied.
 */
export async function handleIecRequest(
  input: Buffer | string,
  ports: IecRequestPorts,
  options: IecHandlerOptions,
): Promise<IecReply> {
  let request: IecRequest;
  try {
    request = await readIecRequest(input, { maxBytes: options.maxRequestBytes, receivedAt: options.now() });
  } catch (error) {
    if (!(error instanceof UnreadableRequest)) throw error;
    const { error: refusal, envelope } = error;
    return reply(envelope, options, 'FAILED', [
      { code: refusal.code, level: 'FATAL', reason: refusal.message, xpath: refusal.xpath },
    ]);
  }
  try {
    switch (request.kind) {
      case 'DERGroupStatusQueriesRequestMessage':
        return await statusQuery(request, ports, options);
      case 'DERGroupForecastQueriesRequestMessage':
        return await forecastQuery(request, ports, options);
      case 'DERGroupQueriesRequestMessage':
        return await groupQuery(request, ports, options);
      case 'CreateDERGroups':
      case 'ChangeDERGroups':
      case 'DeleteDERGroups':
        return await groupsRequest(request, ports, options);
      case 'ExecuteDERGroupsOperationSet':
        return await operationSet(request, ports, options);
    }
  } catch (error) {
    // A port's refusal that trying again cannot cure: the requester hears it at once
    // instead of the request blocking the ones behind it.
    if (!(error instanceof DerstreamError) || error.retriable) throw error;
    return reply(request.envelope, options, 'FAILED', [
      { code: error.code, level: 'FATAL', reason: error.message },
    ]);
  }
}

function reply(
  envelope: RequestEnvelope,
  options: IecHandlerOptions,
  result: ReplyResult,
  errors: ReplyError[],
  payload?: string,
  ids?: string[],
): IecReply {
  const xml = toResponseMessage({
    root: envelope.spec.responseRoot,
    namespace: envelope.spec.responseNamespace,
    noun: envelope.spec.noun,
    header: {
      messageId: options.newMessageId(),
      correlationId: envelope.messageId,
      timestamp: options.now(),
      source: options.source,
    },
    result,
    errors,
    ids,
    payload,
    compressed: envelope.compressReply,
  });
  return { xml, result, replyAddress: envelope.replyAddress, correlationId: envelope.messageId };
}

function unknownGroup(groupId: string, index: number, where: string): ReplyError {
  return {
    code: 'UNKNOWN_GROUP',
    level: 'WARNING',
    reason: `no group with mRID ${JSON.stringify(groupId)}`,
    xpath: `${where}/EndDeviceGroup[${index + 1}]/mRID`,
    id: groupId,
  };
}

async function statusQuery(request: StatusQuery, ports: IecRequestPorts, options: IecHandlerOptions) {
  const ranged = request.startTime !== undefined || request.endTime !== undefined;
  const statuses = await ports.statuses({
    groupIds: request.groupIds,
    ...(ranged ? { from: request.startTime ?? 0, to: request.endTime ?? Number.MAX_SAFE_INTEGER } : {}),
  });
  const answered = new Set(statuses.map((s) => s.groupId));
  const errors = request.groupIds.flatMap((id, i) =>
    answered.has(id) || ports.latestVersion(id) !== undefined
      ? []
      : [unknownGroup(id, i, '/DERGroupStatusQueriesRequestMessage/Request/DERGroupStatusQueries')],
  );
  const known = request.groupIds.length - errors.length;
  const result = request.groupIds.length === 0 ? 'OK' : resultOf(known, errors);
  return reply(
    request.envelope,
    options,
    result,
    errors,
    statuses.length > 0 ? toDerGroupStatusesProfile(statuses) : undefined,
  );
}

async function forecastQuery(request: ForecastQuery, ports: IecRequestPorts, options: IecHandlerOptions) {
  const parameters = [...new Set(request.parameters.flatMap((p) => FORECAST_PARAMETERS[p] ?? []))].filter(
    (p) => isTranslatable(p, options.forecasts),
  );
  const errors: ReplyError[] = request.parameters
    .filter((p) => !(FORECAST_PARAMETERS[p] ?? []).some((ours) => isTranslatable(ours, options.forecasts)))
    .map((p) => ({
      code: 'UNSUPPORTED_PARAMETER',
      level: 'WARNING',
      reason: `derstream does not forecast ${p}`,
      xpath: '/DERGroupForecastQueriesRequestMessage/Request/DERGroupForecastQueries/DERMonitorableParameter',
    }));
  const groupIds = request.groupIds;
  groupIds.forEach((id, i) => {
    if (ports.latestVersion(id) === undefined)
      errors.push(
        unknownGroup(id, i, '/DERGroupForecastQueriesRequestMessage/Request/DERGroupForecastQueries'),
      );
  });
  const forecasts =
    parameters.length === 0 ? [] : await ports.forecasts({ groupIds, parameters, from: request.startTime });
  const cut = forecasts
    .map((f) => ({
      ...f,
      points: f.points.filter((p) => p.start >= request.startTime).slice(0, request.numberOfIntervals),
    }))
    .filter((f) => f.points.length > 0);
  const result = resultOf(cut.length > 0 ? 1 : groupIds.length - errors.length, errors);
  return reply(
    request.envelope,
    options,
    cut.length === 0 && errors.length === 0 ? 'OK' : result,
    errors,
    cut.length > 0 ? toDerGroupForecastsProfile(cut, options.forecasts) : undefined,
  );
}

async function groupQuery(request: GroupQuery, ports: IecRequestPorts, options: IecHandlerOptions) {
  const asked = request.groupIds.length > 0 ? request.groupIds : ports.groupIds();
  const versions: GroupVersion[] = [];
  const errors: ReplyError[] = [];
  asked.forEach((id, i) => {
    const version = ports.latestVersion(id);
    if (version !== undefined && !version.deleted) versions.push(version);
    else if (request.groupIds.length > 0)
      errors.push(unknownGroup(id, i, '/DERGroupQueriesRequestMessage/Request/DERGroupQueries'));
  });
  return reply(
    request.envelope,
    options,
    resultOf(versions.length, errors),
    errors,
    versions.length > 0 ? toDerGroupsProfile(versions) : undefined,
  );
}

type Verb = 'create' | 'change' | 'delete';

/** Checks one version against the state before it; returns the version to apply (nameplates carried) or why not. */
function admit(
  version: GroupVersion,
  verb: Verb,
  current: GroupVersion | undefined,
): { version: GroupVersion } | { error: string; code: string } {
  const exists = current !== undefined && !current.deleted;
  if (verb === 'create' && exists) {
    return {
      code: 'GROUP_EXISTS',
      error: `group ${JSON.stringify(version.groupId)} already exists; use ChangeDERGroups`,
    };
  }
  if (verb !== 'create' && !exists) {
    return { code: 'UNKNOWN_GROUP', error: `no group with mRID ${JSON.stringify(version.groupId)}` };
  }
  if (verb === 'change' && current !== undefined) {
    const known = new Map(current.members.map((m) => [m.deviceId, m]));
    return {
      version: {
        ...version,
        members: version.members.map((m) => ({ ...known.get(m.deviceId), ...m })),
        ...(version.derFunction === undefined && current.derFunction !== undefined
          ? { derFunction: current.derFunction }
          : {}),
      },
    };
  }
  return { version };
}

const VERB_OF: Readonly<Record<GroupsRequest['kind'], Verb>> = {
  CreateDERGroups: 'create',
  ChangeDERGroups: 'change',
  DeleteDERGroups: 'delete',
};

async function groupsRequest(request: GroupsRequest, ports: IecRequestPorts, options: IecHandlerOptions) {
  const verb = VERB_OF[request.kind];
  const accepted: GroupVersion[] = [];
  const errors: ReplyError[] = [];
  const pending = new Map<string, GroupVersion>();
  request.versions.forEach((version, i) => {
    const current = pending.get(version.groupId) ?? ports.latestVersion(version.groupId);
    const admitted = admit(version, verb, current);
    if ('error' in admitted) {
      errors.push({
        code: admitted.code,
        level: 'WARNING',
        reason: admitted.error,
        xpath: `/${request.kind}/Payload/DERGroups/EndDeviceGroup[${i + 1}]/mRID`,
        id: version.groupId,
      });
    } else {
      accepted.push(admitted.version);
      pending.set(version.groupId, admitted.version);
    }
  });
  if (accepted.length > 0) await ports.applyGroupVersions(accepted);
  // Reply/ID names the groups applied; the DERGroups payload is left out, the caller sent it.
  return reply(
    request.envelope,
    options,
    request.versions.length === 0 ? 'OK' : resultOf(accepted.length, errors),
    errors,
    undefined,
    accepted.map((v) => v.groupId),
  );
}

async function operationSet(
  request: OperationSetRequest,
  ports: IecRequestPorts,
  options: IecHandlerOptions,
) {
  const accepted: GroupVersion[] = [];
  const errors: ReplyError[] = [];
  const pending = new Map<string, GroupVersion>();
  for (const operation of request.operations) {
    if ('error' in operation.outcome) {
      const error: DerstreamError = operation.outcome.error;
      errors.push({
        code: error.code,
        level: 'FATAL',
        reason: error.message,
        xpath: 'xpath' in error && typeof error.xpath === 'string' ? error.xpath : undefined,
        operationId: operation.operationId,
      });
      continue;
    }
    const staged: GroupVersion[] = [];
    let failed = false;
    for (const version of operation.outcome.versions) {
      const admitted = admit(
        version,
        operation.verb,
        pending.get(version.groupId) ?? ports.latestVersion(version.groupId),
      );
      if ('error' in admitted) {
        errors.push({
          code: admitted.code,
          level: 'FATAL',
          reason: `operation ${operation.operationId}: ${admitted.error}`,
          id: version.groupId,
          operationId: operation.operationId,
        });
        failed = true;
        break;
      }
      staged.push(admitted.version);
    }
    // An operation is one unit: none of its groups apply when one of them fails.
    if (failed) continue;
    for (const version of staged) pending.set(version.groupId, version);
    accepted.push(...staged);
  }
  const applied = request.transactional && errors.length > 0 ? [] : accepted;
  if (applied.length > 0) await ports.applyGroupVersions(applied);
  const operations = request.operations.length;
  const failedOperations = new Set(errors.map((e) => e.operationId)).size;
  const result: ReplyResult =
    errors.length === 0
      ? 'OK'
      : applied.length === 0 || failedOperations === operations
        ? 'FAILED'
        : 'PARTIAL';
  return reply(
    request.envelope,
    options,
    result,
    errors,
    undefined,
    applied.map((v) => v.groupId),
  );
}
