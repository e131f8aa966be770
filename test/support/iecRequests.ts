import { gzipSync } from 'node:zlib';
import { resolve } from 'node:path';

/** The draft XSDs a reply to each request kind must validate against. */
export const XSD = {
  statusQueries: resolve(__dirname, '../../schemas/iec/xsd/get/DERGroupStatusQueriesMessage.xsd'),
  forecastQueries: resolve(__dirname, '../../schemas/iec/xsd/get/DERGroupForecastQueriesMessage.xsd'),
  groupQueries: resolve(__dirname, '../../schemas/iec/xsd/get/DERGroupQueriesMessage.xsd'),
  groupsCreate: resolve(__dirname, '../../schemas/iec/xsd/create/DERGroupsMessage.xsd'),
  groupsChange: resolve(__dirname, '../../schemas/iec/xsd/change/DERGroupsMessage.xsd'),
  operationSet: resolve(__dirname, '../../schemas/iec/xsd/change/DERGroupsOperationSetMessage.xsd'),
  forecastsEvent: resolve(__dirname, '../../schemas/iec/xsd/create/DERGroupForecastsMessage.xsd'),
  message: resolve(__dirname, '../../schemas/iec/xsd/get/Message.xsd'),
};

const MSG = 'http://iec.ch/TC57/2011/schema/message';

interface HeaderFields {
  verb: string;
  noun: string;
  messageId: string;
  replyAddress?: string;
  timestamp?: string;
}

function header({ verb, noun, messageId, replyAddress, timestamp }: HeaderFields): string {
  return (
    `<m:Header><msg:Verb>${verb}</msg:Verb><msg:Noun>${noun}</msg:Noun>` +
    (timestamp ? `<msg:Timestamp>${timestamp}</msg:Timestamp>` : '') +
    '<msg:Source>test-dms</msg:Source>' +
    (replyAddress ? `<msg:ReplyAddress>${replyAddress}</msg:ReplyAddress>` : '') +
    `<msg:MessageID>${messageId}</msg:MessageID></m:Header>`
  );
}

export interface RequestOptions {
  messageId: string;
  replyAddress?: string;
  /** Request/Option compress=true: ask for a compressed reply. */
  compressReply?: boolean;
}

const option = (o: RequestOptions) =>
  o.compressReply ? '<m:Option><msg:name>compress</msg:name><msg:value>true</msg:value></m:Option>' : '';

const groupsOf = (ids: readonly string[]) =>
  ids.map((id) => `<q:EndDeviceGroup><q:mRID>${id}</q:mRID></q:EndDeviceGroup>`).join('');

/** A `DERGroupStatusQueriesRequestMessage` (range when both times are given). */
export function statusQuery(
  groupIds: readonly string[],
  o: RequestOptions & { startTime?: string; endTime?: string },
): string {
  return (
    `<m:DERGroupStatusQueriesRequestMessage xmlns:m="http://iec.ch/TC57/2017/DERGroupStatusQueriesMessage" xmlns:msg="${MSG}" xmlns:q="http://iec.ch/TC57/2017/DERGroupStatusQueries#">` +
    header({ verb: 'get', noun: 'DERGroupStatuses', ...o }) +
    '<m:Request>' +
    (o.startTime ? `<m:StartTime>${o.startTime}</m:StartTime>` : '') +
    (o.endTime ? `<m:EndTime>${o.endTime}</m:EndTime>` : '') +
    option(o) +
    `<q:DERGroupStatusQueries>${groupsOf(groupIds)}</q:DERGroupStatusQueries></m:Request>` +
    '</m:DERGroupStatusQueriesRequestMessage>'
  );
}

/** A `DERGroupQueriesRequestMessage`. */
export function groupQuery(groupIds: readonly string[], o: RequestOptions): string {
  return (
    `<m:DERGroupQueriesRequestMessage xmlns:m="http://iec.ch/TC57/2017/DERGroupQueriesMessage" xmlns:msg="${MSG}" xmlns:q="http://iec.ch/TC57/2017/DERGroupQueries#">` +
    header({ verb: 'get', noun: 'DERGroups', ...o }) +
    `<m:Request>${option(o)}<q:DERGroupQueries>${groupsOf(groupIds)}</q:DERGroupQueries></m:Request>` +
    '</m:DERGroupQueriesRequestMessage>'
  );
}

/** A `DERGroupForecastQueriesRequestMessage` for activePower. */
export function forecastQuery(
  groupIds: readonly string[],
  o: RequestOptions & { startTime: string; numberOfIntervals: number; parameter?: string },
): string {
  return (
    `<m:DERGroupForecastQueriesRequestMessage xmlns:m="http://iec.ch/TC57/2017/DERGroupForecastQueriesMessage" xmlns:msg="${MSG}" xmlns:q="http://iec.ch/TC57/2017/DERGroupForecastQueries#">` +
    header({ verb: 'get', noun: 'DERGroupForecasts', ...o }) +
    `<m:Request>${option(o)}<q:DERGroupForecastQueries>` +
    `<q:DERMonitorableParameter><q:DERParameter>${o.parameter ?? 'activePower'}</q:DERParameter></q:DERMonitorableParameter>` +
    '<q:DispatchSchedule><q:curveStyleKind>constantYValue</q:curveStyleKind>' +
    `<q:numberOfIntervals>${o.numberOfIntervals}</q:numberOfIntervals><q:startTime>${o.startTime}</q:startTime>` +
    '<q:timeIntervalDuration>15</q:timeIntervalDuration><q:timeIntervalUnit>m</q:timeIntervalUnit></q:DispatchSchedule>' +
    `${groupsOf(groupIds)}</q:DERGroupForecastQueries></m:Request>` +
    '</m:DERGroupForecastQueriesRequestMessage>'
  );
}

export interface GroupSpec {
  mRID: string;
  devices?: readonly string[];
  name?: string;
}

const FLAGS = [
  'connectDisconnect',
  'frequencyWattCurveFunction',
  'maxRealPowerLimiting',
  'rampRateControl',
  'reactivePowerDispatch',
  'realPowerDispatch',
  'voltageRegulation',
  'voltVarCurveFunction',
  'voltWattCurveFunction',
];

/** The `DERGroups` profile element with prefix `g`, declared on it. */
export function derGroupsElement(groups: readonly GroupSpec[], declare = true): string {
  return (
    `<g:DERGroups${declare ? ' xmlns:g="http://iec.ch/TC57/2017/DERGroups#"' : ''}>` +
    groups
      .map(
        (g) =>
          `<g:EndDeviceGroup><g:mRID>${g.mRID}</g:mRID><g:DERFunction>` +
          FLAGS.map((f) => `<g:${f}>${f === 'realPowerDispatch'}</g:${f}>`).join('') +
          '</g:DERFunction>' +
          (g.devices ?? []).map((d) => `<g:EndDevices><g:mRID>${d}</g:mRID></g:EndDevices>`).join('') +
          (g.name ? `<g:Names><g:name>${g.name}</g:name></g:Names>` : '') +
          '</g:EndDeviceGroup>',
      )
      .join('') +
    '</g:DERGroups>'
  );
}

/** `CreateDERGroups`, `ChangeDERGroups` or `DeleteDERGroups`; `compressed` puts the groups in Payload/Compressed. */
export function groupsRequest(
  verb: 'create' | 'change' | 'delete',
  groups: readonly GroupSpec[],
  o: RequestOptions & { compressed?: boolean; timestamp?: string },
): string {
  const root = { create: 'CreateDERGroups', change: 'ChangeDERGroups', delete: 'DeleteDERGroups' }[verb];
  const profile = derGroupsElement(groups);
  const payload = o.compressed
    ? derGroupsElement([{ mRID: 'placeholder' }]) +
      `<m:Compressed>${gzipSync(profile).toString('base64')}</m:Compressed><m:Format>XML</m:Format>`
    : profile;
  return (
    `<m:${root} xmlns:m="http://iec.ch/TC57/2017/DERGroupsMessage" xmlns:msg="${MSG}">` +
    header({ verb, noun: 'DERGroups', ...o }) +
    (o.compressReply ? `<m:Request>${option(o)}</m:Request>` : '') +
    `<m:Payload>${payload}</m:Payload></m:${root}>`
  );
}

export interface Operation {
  operationId: number;
  verb: string;
  noun?: string;
  groups: readonly GroupSpec[];
}

/** `ExecuteDERGroupsOperationSet`; the DERGroups namespace is declared on the root, as senders often do. */
export function operationSet(
  operations: readonly Operation[],
  o: RequestOptions & { transactional?: boolean },
): string {
  return (
    `<m:ExecuteDERGroupsOperationSet xmlns:m="http://iec.ch/TC57/2017/DERGroupsOperationSetMessage" xmlns:msg="${MSG}" xmlns:g="http://iec.ch/TC57/2017/DERGroups#">` +
    header({ verb: 'execute', noun: 'DERGroups', ...o }) +
    '<m:Payload><m:OperationSet>' +
    (o.transactional ? '<msg:enforceTransactionalIntegrity>true</msg:enforceTransactionalIntegrity>' : '') +
    operations
      .map(
        (op) =>
          `<msg:Operation><msg:operationId>${op.operationId}</msg:operationId><msg:noun>${op.noun ?? 'DERGroups'}</msg:noun>` +
          `<msg:verb>${op.verb}</msg:verb>${derGroupsElement(op.groups, false)}</msg:Operation>`,
      )
      .join('') +
    '</m:OperationSet></m:Payload></m:ExecuteDERGroupsOperationSet>'
  );
}

/** The classic exponential entity expansion: a billion `lol`s from a few hundred bytes. */
export const BILLION_LAUGHS =
  '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
  Array.from(
    { length: 9 },
    (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`,
  ).join('') +
  ']><m:DERGroupQueriesRequestMessage xmlns:m="http://iec.ch/TC57/2017/DERGroupQueriesMessage">&lol9;</m:DERGroupQueriesRequestMessage>';

/** An external entity pointing at a local file. */
export const EXTERNAL_ENTITY =
  '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
  '<m:DERGroupQueriesRequestMessage xmlns:m="http://iec.ch/TC57/2017/DERGroupQueriesMessage">&xxe;</m:DERGroupQueriesRequestMessage>';

/** A text element of `name` from a reply, first occurrence, whatever its prefix. */
export function textOf(xml: string, name: string): string | undefined {
  return new RegExp(`<(?:[\\w.-]+:)?${name}>([^<]*)</(?:[\\w.-]+:)?${name}>`).exec(xml)?.[1];
}

/** Every occurrence of a text element. */
export function textsOf(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<(?:[\\w.-]+:)?${name}>([^<]*)</(?:[\\w.-]+:)?${name}>`, 'g'))].map(
    (m) => m[1]!,
  );
}
