import { gzipSync } from 'node:zlib';
import { GroupStatus } from '../aggregate/groupStatus';
import { DerstreamError } from '../errors';
import { hasNonXmlChar } from '../xmlChars';

/** A status (or setting) that cannot be written as a schema-valid message; retrying will not help. */
export class UntranslatableError extends DerstreamError {
  constructor(message: string) {
    super('IEC_UNTRANSLATABLE', message, false);
  }
}

/** The draft's namespaces (targetNamespace of each XSD in schemas/iec/xsd/change). */
export const DER_GROUP_STATUSES_NAMESPACE = 'http://iec.ch/TC57/2017/DERGroupStatuses#';
export const DER_GROUP_STATUSES_MESSAGE_NAMESPACE = 'http://iec.ch/TC57/2017/DERGroupStatusesMessage';
/** IEC 61968-100 Message.xsd: the Header's children (Verb, Noun, ...) live here. */
export const IEC_MESSAGE_NAMESPACE = 'http://iec.ch/TC57/2011/schema/message';

export interface DerGroupStatusesHeader {
  /** `Header/MessageID`, a UUID chosen by the caller. */
  messageId: string;
  /** `Header/Timestamp`, epoch milliseconds; written as ISO 8601 UTC. */
  timestamp: number;
  /** `Header/Source`. */
  source: string;
}

export interface DerGroupStatusesOptions {
  /** Namespace of the `DERGroupStatuses` profile; default {@link DER_GROUP_STATUSES_NAMESPACE}. */
  profileNamespace?: string;
  /** Namespace of the message root, Header, Payload, Compressed, Format; default {@link DER_GROUP_STATUSES_MESSAGE_NAMESPACE}. */
  messageNamespace?: string;
  /** Carry the profile as `Payload/Compressed` (base64 of gzip) with `Format` `XML`. */
  compressed?: boolean;
}

/** `Format` written beside `Compressed`. */
export const COMPRESSED_FORMAT = 'XML';

/** `Names/name` of the placeholder profile that a compressed payload carries inline (see below). */
export const COMPRESSED_PLACEHOLDER_NAME = 'placeholder: the statuses are in Payload/Compressed';

/**
 * Builds a `ChangedDERGroupStatuses` event (IEC 61968-100 EventMessage, verb `changed`,
 * noun `DERGroupStatuses`) that validates against the draft's
 * `change/DERGroupStatusesMessage.xsd`. Pure: no I/O, same input, same bytes.
 *
 * Header, in HeaderType order: Verb, Noun, Timestamp (ISO 8601 UTC, milliseconds),
 * Source, MessageID.
 *
 * Payload: one `DERGroupStatuses` profile element (its own default namespace, so the
 * element is self-contained: the same bytes are what `Compressed` gzips) with one
 * `EndDeviceGroup` per status, in the order given:
 * - `mRID` = groupId.
 * - `DERMonitorableParameter` activePower (always): yMultiplier `none`, yUnit `W`,
 *   DERCurveData maxYValue = maxActivePower, minYValue = minActivePower (each only when
 *   not null), nominalYValue = activePower, timeStamp = windowEnd.
 * - reactivePower, when not null: `none`, `VAr`, nominalYValue = reactivePower,
 *   timeStamp = windowEnd.
 * - voltage, when voltageMin or voltageMax is not null: `none`, `V`, maxYValue =
 *   voltageMax, minYValue = voltageMin (each only when not null), timeStamp = windowEnd.
 *   (DERCurveData.timeStamp is required by the XSD, so every parameter carries it.)
 * - flowDirection, yUnitInstalledMax/Min are left out: the status has no rated power.
 *   headroomUp/Down, stateOfCharge and storedEnergy are not mapped: the draft's
 *   DERParameterKind has no kind for them.
 * - `status` (all four children are xs:string / xs:dateTime, so any text is valid):
 *   - dateTime = windowEnd;
 *   - remark = the machine-readable counts and version, `;`-separated `key=value` pairs
 *     in this fixed order:
 *     `version=2;windowStart=2024-05-01T12:00:00.000Z;members=10;reporting=8;fresh=9;stale=1;silent=0;connected=9`
 *     (integers in plain decimal, windowStart in ISO 8601 UTC; neither contains `;` or `=`);
 *   - value = a summary derived from the counts only: `dark` when no member is fresh
 *     (also for a group with no members), `partial` when some are, `complete` when all are;
 *   - reason is not written.
 *   `Names` was the alternative; `status` keeps all of it in one element with a
 *   timestamp and leaves `Names` for real names.
 *
 * With `compressed: true` the payload carries `Compressed` = base64(gzip(profile XML))
 * and `Format` = `XML`. The payload sequence of DERGroupStatusesMessage.xsd still
 * requires an inline `DERGroupStatuses` (minOccurs 1) before them, and that needs at
 * least one EndDeviceGroup with one complete DERMonitorableParameter. So a minimal
 * placeholder is written inline: one EndDeviceGroup without mRID, one activePower
 * parameter with no values and timeStamp = the header's timestamp, and
 * `Names/name` = {@link COMPRESSED_PLACEHOLDER_NAME}. Readers must take the statuses from
 * `Compressed` whenever it is present.
 *
 * Numbers are written in plain decimal (never an exponent), which is valid xs:float
 * lexical form; non-finite numbers and numbers outside the xs:float range throw a
 * UntranslatableError, as do an empty status list, an invalid date, an empty namespace, and
 * text with characters XML 1.0 cannot carry. Text is escaped (`&`, `<`, `>`, and `"`/`'`
 * too, and CR as `&#13;` so it survives end-of-line normalisation).
 */
export function toChangedDerGroupStatuses(
  statuses: GroupStatus[],
  header: DerGroupStatusesHeader,
  options: DerGroupStatusesOptions = {},
): string {
  const profileNs = namespace(options.profileNamespace, DER_GROUP_STATUSES_NAMESPACE, 'profileNamespace');
  const messageNs = namespace(
    options.messageNamespace,
    DER_GROUP_STATUSES_MESSAGE_NAMESPACE,
    'messageNamespace',
  );
  const profile = toDerGroupStatusesProfile(statuses, profileNs);

  let payload: string;
  if (options.compressed) {
    const compressed = gzipSync(Buffer.from(profile, 'utf8')).toString('base64');
    payload =
      placeholderProfile(profileNs, isoUtc(header.timestamp, 'header.timestamp')) +
      el('m:Compressed', compressed) +
      el('m:Format', COMPRESSED_FORMAT);
  } else {
    payload = profile;
  }

  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<m:ChangedDERGroupStatuses xmlns:m="${escapeXml(messageNs)}" xmlns:msg="${IEC_MESSAGE_NAMESPACE}">` +
    messageHeader('changed', 'DERGroupStatuses', header) +
    `<m:Payload>${payload}</m:Payload>` +
    '</m:ChangedDERGroupStatuses>'
  );
}

/**
 * The `DERGroupStatuses` profile element alone, with `xmlns` = `profileNamespace` on it
 * and no XML declaration: what the plain payload embeds and the compressed one gzips.
 */
export function toDerGroupStatusesProfile(
  statuses: GroupStatus[],
  profileNamespace: string = DER_GROUP_STATUSES_NAMESPACE,
): string {
  if (statuses.length === 0) {
    throw new UntranslatableError('DERGroupStatuses needs at least one EndDeviceGroup: no statuses given');
  }
  const ns = namespace(profileNamespace, DER_GROUP_STATUSES_NAMESPACE, 'profileNamespace');
  return `<DERGroupStatuses xmlns="${escapeXml(ns)}">${statuses.map(endDeviceGroup).join('')}</DERGroupStatuses>`;
}

/** `status/value`: a summary of the counts (see {@link toChangedDerGroupStatuses}). */
export function statusValue(status: Pick<GroupStatus, 'members' | 'fresh'>): 'dark' | 'partial' | 'complete' {
  if (status.fresh <= 0) return 'dark';
  return status.fresh < status.members ? 'partial' : 'complete';
}

/** `status/remark`: `version=..;windowStart=..;members=..;reporting=..;fresh=..;stale=..;silent=..;connected=..`. */
export function statusRemark(status: GroupStatus): string {
  return [
    `version=${xsdDecimal(status.version)}`,
    `windowStart=${isoUtc(status.windowStart, 'windowStart')}`,
    `members=${xsdDecimal(status.members)}`,
    `reporting=${xsdDecimal(status.reporting)}`,
    `fresh=${xsdDecimal(status.fresh)}`,
    `stale=${xsdDecimal(status.stale)}`,
    `silent=${xsdDecimal(status.silent)}`,
    `connected=${xsdDecimal(status.connected)}`,
  ].join(';');
}

function endDeviceGroup(status: GroupStatus): string {
  const end = isoUtc(status.windowEnd, 'windowEnd');
  let parameters = monitorable('activePower', 'W', {
    max: status.maxActivePower,
    min: status.minActivePower,
    nominal: status.activePower,
    timeStamp: end,
  });
  if (status.reactivePower !== null) {
    parameters += monitorable('reactivePower', 'VAr', {
      max: null,
      min: null,
      nominal: status.reactivePower,
      timeStamp: end,
    });
  }
  if (status.voltageMin !== null || status.voltageMax !== null) {
    parameters += monitorable('voltage', 'V', {
      max: status.voltageMax,
      min: status.voltageMin,
      nominal: null,
      timeStamp: end,
    });
  }
  return (
    '<EndDeviceGroup>' +
    el('mRID', status.groupId) +
    parameters +
    '<status>' +
    plainEl('dateTime', end) +
    plainEl('remark', statusRemark(status)) +
    plainEl('value', statusValue(status)) +
    '</status>' +
    '</EndDeviceGroup>'
  );
}

interface CurvePoint {
  max: number | null;
  min: number | null;
  nominal: number | null;
  timeStamp: string;
}

/** DERMonitorableParameter in XSD order: DERParameter, yMultiplier, yUnit, DERCurveData{max, min, nominal, timeStamp}. */
function monitorable(parameter: string, unit: string, point: CurvePoint): string {
  return (
    '<DERMonitorableParameter>' +
    plainEl('DERParameter', parameter) +
    plainEl('yMultiplier', 'none') +
    plainEl('yUnit', unit) +
    '<DERCurveData>' +
    optionalNumber('maxYValue', point.max) +
    optionalNumber('minYValue', point.min) +
    optionalNumber('nominalYValue', point.nominal) +
    plainEl('timeStamp', point.timeStamp) +
    '</DERCurveData>' +
    '</DERMonitorableParameter>'
  );
}

function placeholderProfile(profileNamespace: string, timeStamp: string): string {
  return (
    `<DERGroupStatuses xmlns="${escapeXml(profileNamespace)}"><EndDeviceGroup>` +
    monitorable('activePower', 'W', { max: null, min: null, nominal: null, timeStamp }) +
    `<Names>${el('name', COMPRESSED_PLACEHOLDER_NAME)}</Names>` +
    '</EndDeviceGroup></DERGroupStatuses>'
  );
}

function optionalNumber(name: string, value: number | null): string {
  return value === null ? '' : plainEl(name, xsdDecimal(value));
}

export function el(name: string, text: string): string {
  return `<${name}>${escapeXml(text)}</${name}>`;
}

/**
 * An element whose text needs no escaping: a fixed word, or numbers and times as
 * {@link xsdDecimal} and {@link isoUtc} write them. A group's status has some twenty of
 * these; escaping each was about a sixth of the time a message took to build.
 */
function plainEl(name: string, text: string): string {
  return `<${name}>${text}</${name}>`;
}

/**
 * An IEC 61968-100 `m:Header` (prefix `m` = the message's namespace, `msg` = Message.xsd's),
 * its children in HeaderType order; CorrelationID only on replies.
 */
export function messageHeader(
  verb: string,
  noun: string,
  header: DerGroupStatusesHeader & { correlationId?: string },
): string {
  return (
    '<m:Header>' +
    el('msg:Verb', verb) +
    el('msg:Noun', noun) +
    el('msg:Timestamp', isoUtc(header.timestamp, 'header.timestamp')) +
    el('msg:Source', header.source) +
    el('msg:MessageID', header.messageId) +
    (header.correlationId === undefined ? '' : el('msg:CorrelationID', header.correlationId)) +
    '</m:Header>'
  );
}

function namespace(value: string | undefined, fallback: string, what: string): string {
  const ns = value ?? fallback;
  if (ns === '') throw new UntranslatableError(`${what} must not be empty`);
  return ns;
}

/** The largest finite xs:float (IEEE 754 binary32). */
const XSD_FLOAT_MAX = 3.4028234663852886e38;

/**
 * `n` in plain decimal notation (`-1234.5`, `0.0000001`, never `1e-7` or `1e+21`): a
 * valid xs:float / xs:double / xs:decimal lexical form. Throws a UntranslatableError for NaN,
 * ±Infinity and magnitudes beyond xs:float. -0 is written `0`.
 */
export function xsdDecimal(n: number): string {
  if (!Number.isFinite(n)) throw new UntranslatableError(`not a finite number: ${n}`);
  if (Math.abs(n) > XSD_FLOAT_MAX) throw new UntranslatableError(`outside the xs:float range: ${n}`);
  if (n === 0) return '0';
  const s = String(n);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const negative = s.startsWith('-');
  const mantissa = s.slice(negative ? 1 : 0, e);
  const exponent = Number(s.slice(e + 1));
  const [intPart = '', fracPart = ''] = mantissa.split('.');
  const digits = intPart + fracPart;
  const point = intPart.length + exponent;
  let plain: string;
  if (point <= 0) plain = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) plain = digits + '0'.repeat(point - digits.length);
  else plain = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (negative ? '-' : '') + plain;
}

/** The times written last, as {@link isoUtc} wrote them: a window's statuses share a few. */
const recentIso = new Map<number, string>();
const RECENT_ISO_MAX = 16;

/** Epoch milliseconds as xs:dateTime in UTC (`2024-05-01T12:00:00.000Z`). */
export function isoUtc(ms: number, what: string): string {
  const recent = recentIso.get(ms);
  if (recent !== undefined) return recent;
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  if (!Number.isFinite(ms) || Number.isNaN(date.getTime()) || year < 1 || year > 9999) {
    throw new UntranslatableError(`${what} is not a time between years 1 and 9999: ${ms}`);
  }
  const iso = date.toISOString();
  if (recentIso.size === RECENT_ISO_MAX) recentIso.clear();
  recentIso.set(ms, iso);
  return iso;
}

/** Escapes text and attribute values; throws a UntranslatableError for characters XML 1.0 forbids. */
export function escapeXml(text: string): string {
  if (hasNonXmlChar(text))
    throw new UntranslatableError(`text with a character XML 1.0 cannot carry: ${JSON.stringify(text)}`);
  return text.replace(/[&<>"'\r]/g, (c) => ESCAPES[c] ?? c);
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\r': '&#13;',
};
