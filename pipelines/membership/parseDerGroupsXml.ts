import { gunzipSync } from 'node:zlib';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { xmlEntityDecoder } from '../decode/xmlEntityDecoder';
import { xmlText } from '../decode/xmlText';
import { isMrid, MRID_RULE } from '../mrid';
import {
  DER_FUNCTION_FLAGS,
  DerFunction,
  GroupMember,
  GroupVersion,
  LATEST_EFFECTIVE_FROM,
} from './groupVersion';
import { GroupsInputError } from './groupsInputError';

/** The verbs of the DERGroups messages we turn into membership (the `Header/Verb` values). */
export type DerGroupsVerb = 'create' | 'change' | 'delete' | 'created' | 'changed' | 'deleted';

export interface DerGroupsMessage {
  verb: DerGroupsVerb;
  /** `Header/MessageID`, for replies and logs. */
  messageId?: string;
  /** One per EndDeviceGroup, in document order. */
  versions: GroupVersion[];
}

export interface DerGroupsXmlOptions {
  /**
   * The largest message accepted, in bytes, and also the largest a `Compressed` payload
   * may inflate to. Default {@link DEFAULT_MAX_GROUPS_XML_BYTES}.
   */
  maxBytes?: number;
  /**
   * The effective time of a version that gives neither `version/date` nor
   * `Header/Timestamp`: for a request, when it was received. Without it such a
   * message is refused.
   */
  defaultEffectiveFrom?: number;
}

/** 4 MiB: thousands of groups of hundreds of devices, far below what would hurt the heap. */
export const DEFAULT_MAX_GROUPS_XML_BYTES = 4 * 1024 * 1024;

/** The message roots of DERGroupsMessage.xsd we accept; cancel/close and replies carry no membership. */
const ROOT_VERBS: ReadonlyMap<string, DerGroupsVerb> = new Map([
  ['CreateDERGroups', 'create'],
  ['ChangeDERGroups', 'change'],
  ['DeleteDERGroups', 'delete'],
  ['CreatedDERGroups', 'created'],
  ['ChangedDERGroups', 'changed'],
  ['DeletedDERGroups', 'deleted'],
]);

/**
 * Every element becomes an array and every value a string, so the mapping below sees one
 * shape whatever the document repeats, and an mRID such as `007` stays a string.
 * Namespace prefixes vary between senders and profile namespaces are configurable, so
 * elements are matched on their local names only.
 */
const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (_tagName, _jPath, _isLeafNode, isAttribute) => !isAttribute,
  entityDecoder: xmlEntityDecoder((detail) => new GroupsInputError('GROUPS_MALFORMED_XML', detail)),
});

/**
 * An IEC 61968-100 message carrying the DERGroups profile (roots of DERGroupsMessage.xsd:
 * `Create|Change|DeleteDERGroups` requests and `Created|Changed|DeletedDERGroups` events)
 * into group versions.
 *
 * Mapping, per EndDeviceGroup: `mRID` is the group id and is required (the profile makes
 * it optional, but a group we cannot name cannot be tracked); the name is the first
 * `Names/name`, else `description`; members are the `EndDevices/mRID` (the profile has no
 * nameplate, so `ratedPower`/`ratedEnergy` stay undefined); `effectiveFrom` is
 * `version/date`, else `Header/Timestamp`, else the message is refused, because a version
 * without an effective time cannot be placed in history. A dateTime without a zone is
 * read as UTC, the zone of all derstream times. `DERFunction` is kept as declared.
 *
 * A change carries the group's complete membership: its EndDevices replace the previous
 * members (a change without EndDevices empties the group) and a change without a name
 * clears it. The profile has no way to say "add" or "remove", and full replacement keeps
 * every version self-contained, so replaying a compacted topic needs no earlier version.
 * A delete makes a deleted version; any EndDevices in it are ignored.
 *
 * `Payload/Compressed` (base64 of gzip of the `DERGroups` document) is read in place of
 * the inline `DERGroups` when both are present: DERGroupsMessage.xsd makes the inline
 * element mandatory, so a schema-valid compressed message must carry a placeholder
 * beside it. `OperationSet` is refused: its per-operation verbs are not supported. A
 * message without a Payload is valid and yields no versions.
 *
 * Hostile input: the size is checked before any parsing, a DOCTYPE or ENTITY declaration
 * refuses the message outright (so no entity, internal or external, is ever expanded),
 * and a compressed payload may not inflate beyond `maxBytes`.
 */
export function parseDerGroupsXml(
  input: Buffer | string,
  options: DerGroupsXmlOptions = {},
): DerGroupsMessage {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_GROUPS_XML_BYTES;
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.length;
  if (size > maxBytes) {
    throw new GroupsInputError(
      'GROUPS_TOO_LARGE',
      `message is ${size} bytes, more than the ${maxBytes} allowed`,
    );
  }
  const [rootName, root] = parseDocument(input, 'message');
  const verb = ROOT_VERBS.get(rootName);
  if (verb === undefined) {
    throw invalid(`/${rootName}`, `not a DERGroups message we accept (${[...ROOT_VERBS.keys()].join(', ')})`);
  }
  const path = `/${rootName}`;
  const header = element(single(root, 'Header', path), `${path}/Header`);
  if (header === undefined) throw invalid(`${path}/Header`, 'required');
  const headerVerb = text(header, 'Verb', `${path}/Header`);
  if (headerVerb !== verb) {
    throw invalid(`${path}/Header/Verb`, `is ${quote(headerVerb)} but ${rootName} needs "${verb}"`);
  }
  const noun = text(header, 'Noun', `${path}/Header`);
  if (noun !== 'DERGroups') throw invalid(`${path}/Header/Noun`, `is ${quote(noun)}, expected "DERGroups"`);
  const timestampText = text(header, 'Timestamp', `${path}/Header`);
  const timestamp =
    timestampText === undefined
      ? options.defaultEffectiveFrom
      : parseDateTime(timestampText, `${path}/Header/Timestamp`);
  const messageId = text(header, 'MessageID', `${path}/Header`);

  const payloadPath = `${path}/Payload`;
  const payload = element(single(root, 'Payload', path), payloadPath);
  const message: DerGroupsMessage = { verb, versions: [] };
  if (messageId !== undefined) message.messageId = messageId;
  if (payload === undefined) return message;
  if (payload.OperationSet !== undefined) {
    throw invalid(`${payloadPath}/OperationSet`, 'not supported: send one DERGroups message per verb');
  }
  let groups: XmlElement | undefined;
  let groupsPath: string;
  const compressed = text(payload, 'Compressed', payloadPath);
  if (compressed !== undefined) {
    const inflated = inflate(compressed, maxBytes, `${payloadPath}/Compressed`);
    const [innerRoot, inner] = parseDocument(inflated, `${payloadPath}/Compressed`);
    groupsPath = `${payloadPath}/Compressed:/${innerRoot}`;
    if (innerRoot !== 'DERGroups')
      throw invalid(groupsPath, 'the compressed document must be a DERGroups element');
    groups = inner;
  } else {
    groupsPath = `${payloadPath}/DERGroups`;
    groups = element(single(payload, 'DERGroups', payloadPath), groupsPath);
    if (groups === undefined) throw invalid(payloadPath, 'has neither DERGroups nor Compressed');
  }
  const endDeviceGroups = children(groups, 'EndDeviceGroup');
  if (endDeviceGroups.length === 0) throw invalid(groupsPath, 'must contain at least one EndDeviceGroup');
  message.versions = endDeviceGroups.map((value, i) => {
    const groupPath = `${groupsPath}/EndDeviceGroup[${i + 1}]`;
    return groupVersion(element(value, groupPath) ?? {}, groupPath, verb, timestamp);
  });
  return message;
}

type XmlElement = Record<string, unknown>;

function groupVersion(
  group: XmlElement,
  path: string,
  verb: DerGroupsVerb,
  timestamp: number | undefined,
): GroupVersion {
  const groupId = text(group, 'mRID', path);
  if (!groupId) throw invalid(`${path}/mRID`, 'required: the group must have a non-empty mRID');
  if (!isMrid(groupId)) throw invalid(`${path}/mRID`, `${quote(groupId)} is not ${MRID_RULE}`);
  const versionPath = `${path}/version`;
  const versionElement = element(single(group, 'version', path), versionPath);
  const dateText = versionElement && text(versionElement, 'date', versionPath);
  const effectiveFrom = dateText === undefined ? timestamp : parseDateTime(dateText, `${versionPath}/date`);
  if (effectiveFrom === undefined) {
    throw invalid(path, 'no effective time: give version/date here or Header/Timestamp on the message');
  }
  const deleted = verb === 'delete' || verb === 'deleted';
  const version: GroupVersion = {
    groupId,
    effectiveFrom,
    deleted,
    members: deleted ? [] : members(group, path),
  };
  const name = groupName(group, path);
  if (name !== undefined) version.name = name;
  const functionPath = `${path}/DERFunction`;
  const functions = element(single(group, 'DERFunction', path), functionPath);
  if (functions !== undefined && !deleted) version.derFunction = derFunction(functions, functionPath);
  return version;
}

/** The nine flags; one left out counts as false (the change profile makes them optional). */
function derFunction(functions: XmlElement, path: string): DerFunction {
  const flags = {} as DerFunction;
  for (const flag of DER_FUNCTION_FLAGS) {
    const value = text(functions, flag, path);
    if (value !== undefined && !['true', 'false', '1', '0'].includes(value)) {
      throw invalid(`${path}/${flag}`, `${quote(value)} is not an xs:boolean`);
    }
    flags[flag] = value === 'true' || value === '1';
  }
  return flags;
}

function members(group: XmlElement, path: string): GroupMember[] {
  const firstIndex = new Map<string, number>();
  return children(group, 'EndDevices').map((value, i) => {
    const devicePath = `${path}/EndDevices[${i + 1}]`;
    const deviceId = text(element(value, devicePath) ?? {}, 'mRID', devicePath);
    if (!deviceId)
      throw invalid(`${devicePath}/mRID`, 'required: each end device must have a non-empty mRID');
    if (!isMrid(deviceId)) throw invalid(`${devicePath}/mRID`, `${quote(deviceId)} is not ${MRID_RULE}`);
    const earlier = firstIndex.get(deviceId);
    if (earlier !== undefined) {
      throw invalid(`${devicePath}/mRID`, `duplicate of EndDevices[${earlier + 1}] (${quote(deviceId)})`);
    }
    firstIndex.set(deviceId, i);
    return { deviceId };
  });
}

function groupName(group: XmlElement, path: string): string | undefined {
  for (const [i, value] of children(group, 'Names').entries()) {
    const namesPath = `${path}/Names[${i + 1}]`;
    const name = text(element(value, namesPath) ?? {}, 'name', namesPath);
    if (name) return name;
  }
  return text(group, 'description', path) || undefined;
}

/** The root element's local name and content of a document that passed the DTD and well-formedness checks. */
function parseDocument(input: Buffer | string, what: string): [string, XmlElement] {
  const body = xmlText(input, (detail) => new GroupsInputError('GROUPS_NOT_UTF8', `${what} ${detail}`));
  if (/<!(DOCTYPE|ENTITY)/i.test(body)) {
    throw new GroupsInputError(
      'GROUPS_DTD_REFUSED',
      `${what}: DOCTYPE and ENTITY declarations are refused (no DTD is ever processed)`,
    );
  }
  const validation = XMLValidator.validate(body);
  if (validation !== true) {
    const { msg, line, col } = validation.err;
    const where = col === undefined ? `line ${line}` : `line ${line}, column ${col}`;
    throw new GroupsInputError('GROUPS_MALFORMED_XML', `${what}: not well-formed XML at ${where}: ${msg}`);
  }
  let document: XmlElement;
  try {
    document = parser.parse(body) as XmlElement;
  } catch (error) {
    if (error instanceof GroupsInputError) {
      throw new GroupsInputError(error.code, `${what}: ${error.message}`, { cause: error });
    }
    throw new GroupsInputError('GROUPS_MALFORMED_XML', `${what}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const [rootName, rootValue] = Object.entries(document)[0] ?? [];
  if (rootName === undefined) throw new GroupsInputError('GROUPS_MALFORMED_XML', `${what}: no root element`);
  return [rootName, element((rootValue as unknown[])[0], `/${rootName}`) ?? {}];
}

function inflate(base64: string, maxBytes: number, path: string): Buffer {
  const compact = base64.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) {
    throw invalid(path, 'not base64');
  }
  try {
    return gunzipSync(Buffer.from(compact, 'base64'), { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new GroupsInputError(
        'GROUPS_TOO_LARGE',
        `${path}: inflates to more than the ${maxBytes} bytes allowed`,
        {
          cause: error,
        },
      );
    }
    throw new GroupsInputError('GROUPS_INVALID', `${path}: not gzip data: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** The occurrences of a child element; absent means none. */
function children(parent: XmlElement, name: string): unknown[] {
  const value = Object.hasOwn(parent, name) ? parent[name] : undefined;
  return Array.isArray(value) ? value : [];
}

/** The one occurrence of a child element that the schema allows at most once. */
function single(parent: XmlElement, name: string, path: string): unknown {
  const all = children(parent, name);
  if (all.length > 1) throw invalid(`${path}/${name}`, `appears ${all.length} times, at most once allowed`);
  return all[0];
}

/** A child's text content; an element found where text is expected is refused. */
function text(parent: XmlElement, name: string, path: string): string | undefined {
  const value = single(parent, name, path);
  if (value === undefined || typeof value === 'string') return value;
  throw invalid(`${path}/${name}`, 'must be text, found child elements');
}

/** An element with children; an empty element (parsed as `""`) has none. */
function element(value: unknown, path: string): XmlElement | undefined {
  if (value === undefined) return undefined;
  if (value === '') return {};
  if (typeof value === 'object' && value !== null) return value as XmlElement;
  throw invalid(path, 'must contain elements, found text');
}

const DATE_TIME = /^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$/;

/** An xs:dateTime as epoch ms: no zone means UTC, digits beyond the millisecond are dropped. */
function parseDateTime(value: string, path: string): number {
  const match = DATE_TIME.exec(value);
  const bad = (): GroupsInputError =>
    invalid(path, `${quote(value)} is not an xs:dateTime such as 2024-01-31T12:00:00Z`);
  if (!match) throw bad();
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const millis = Number((fraction ?? '').padEnd(3, '0').slice(0, 3));
  const endOfDay = hour === 24 && minute === 0 && second === 0 && millis === 0;
  const daysInMonth = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (
    daysInMonth === undefined ||
    day < 1 ||
    day > daysInMonth ||
    (hour > 23 && !endOfDay) ||
    minute > 59 ||
    second > 59
  ) {
    throw bad();
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  let epochMs = date.getTime();
  if (zone !== undefined && zone !== 'Z') {
    const offsetMinutes = Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6));
    if (offsetMinutes > 14 * 60) throw bad();
    epochMs -= (zone[0] === '-' ? -1 : 1) * offsetMinutes * 60_000;
  }
  if (epochMs < 0) throw invalid(path, `${quote(value)} is before 1970-01-01`);
  // A Date beyond its range is NaN.
  if (!(epochMs <= LATEST_EFFECTIVE_FROM))
    throw invalid(
      path,
      `${quote(value)} is after 2299-12-31T23:59:59.999Z, the latest date ClickHouse stores`,
    );
  return epochMs;
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function quote(value: string | undefined): string {
  return value === undefined ? 'missing' : JSON.stringify(value);
}

function invalid(path: string, problem: string): GroupsInputError {
  return new GroupsInputError('GROUPS_INVALID', `${path}: ${problem}`);
}
