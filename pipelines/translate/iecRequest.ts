import { gunzipSync } from 'node:zlib';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { xmlEntityDecoder } from '../decode/xmlEntityDecoder';
import { xmlText } from '../decode/xmlText';
import { DerstreamError } from '../errors';
import { GroupVersion } from '../membership/groupVersion';
import { parseDerGroupsXml } from '../membership/parseDerGroupsXml';
import { IEC_MESSAGE_NAMESPACE } from './derGroupStatuses';
import { IecSchemaSet, validateIecXml } from './iecSchemas';

export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/** Why a request (or one operation of it) was refused: each becomes an Error of the reply. */
export type IecRequestErrorCode =
  | 'IEC_TOO_LARGE'
  | 'IEC_DTD_REFUSED'
  | 'IEC_NOT_XML'
  | 'IEC_NOT_UTF8'
  | 'IEC_MALFORMED_XML'
  | 'IEC_SCHEMA_INVALID'
  | 'IEC_UNSUPPORTED_NOUN'
  | 'IEC_UNSUPPORTED_VERB'
  | 'IEC_INVALID';

export class IecRequestError extends DerstreamError {
  declare readonly code: IecRequestErrorCode;
  constructor(
    code: IecRequestErrorCode,
    message: string,
    /** Where in the request, when known. */
    readonly xpath?: string,
  ) {
    super(code, message, false);
  }
}

/** How each request we act on is recognised, validated and answered. */
export interface RequestKindSpec {
  set: IecSchemaSet;
  xsd: string;
  /** The `Header/Verb` the root requires. */
  verb: string;
  /** `Header/Noun` of the reply. */
  noun: string;
  /** Root and namespace of the reply. */
  responseRoot: string;
  responseNamespace: string;
}

const ns = (name: string) => `http://iec.ch/TC57/2017/${name}`;

export const REQUEST_KINDS = {
  DERGroupStatusQueriesRequestMessage: {
    set: 'get',
    xsd: 'DERGroupStatusQueriesMessage.xsd',
    verb: 'get',
    noun: 'DERGroupStatuses',
    responseRoot: 'DERGroupStatusQueriesResponseMessage',
    responseNamespace: ns('DERGroupStatusQueriesMessage'),
  },
  DERGroupForecastQueriesRequestMessage: {
    set: 'get',
    xsd: 'DERGroupForecastQueriesMessage.xsd',
    verb: 'get',
    noun: 'DERGroupForecasts',
    responseRoot: 'DERGroupForecastQueriesResponseMessage',
    responseNamespace: ns('DERGroupForecastQueriesMessage'),
  },
  DERGroupQueriesRequestMessage: {
    set: 'get',
    xsd: 'DERGroupQueriesMessage.xsd',
    verb: 'get',
    noun: 'DERGroups',
    responseRoot: 'DERGroupQueriesResponseMessage',
    responseNamespace: ns('DERGroupQueriesMessage'),
  },
  CreateDERGroups: {
    set: 'create',
    xsd: 'DERGroupsMessage.xsd',
    verb: 'create',
    noun: 'DERGroups',
    responseRoot: 'DERGroupsResponseMessage',
    responseNamespace: ns('DERGroupsMessage'),
  },
  ChangeDERGroups: {
    set: 'change',
    xsd: 'DERGroupsMessage.xsd',
    verb: 'change',
    noun: 'DERGroups',
    responseRoot: 'DERGroupsResponseMessage',
    responseNamespace: ns('DERGroupsMessage'),
  },
  DeleteDERGroups: {
    set: 'change',
    xsd: 'DERGroupsMessage.xsd',
    verb: 'delete',
    noun: 'DERGroups',
    responseRoot: 'DERGroupsResponseMessage',
    responseNamespace: ns('DERGroupsMessage'),
  },
  ExecuteDERGroupsOperationSet: {
    set: 'change',
    xsd: 'DERGroupsOperationSetMessage.xsd',
    verb: 'execute',
    noun: 'DERGroups',
    responseRoot: 'DERGroupsOperationSetResponseMessage',
    responseNamespace: ns('DERGroupsOperationSetMessage'),
  },
} as const satisfies Record<string, RequestKindSpec>;

export type RequestRoot = keyof typeof REQUEST_KINDS;

/** The generic IEC 61968-100 ResponseMessage, for requests we cannot tie to a profile. */
export const GENERIC_RESPONSE: RequestKindSpec = {
  set: 'get',
  xsd: 'Message.xsd',
  verb: 'reply',
  noun: 'Unknown',
  responseRoot: 'ResponseMessage',
  responseNamespace: IEC_MESSAGE_NAMESPACE,
};

/** What every request carries in its Header (and Request options). */
export interface RequestEnvelope {
  root: string;
  spec: RequestKindSpec;
  messageId?: string;
  /** Where the reply goes (for us, a Kafka topic); none means the default replies topic. */
  replyAddress?: string;
  /** `Header/Timestamp`, epoch ms. */
  timestamp?: number;
  /** Reply with a `Compressed` payload: the request's own was compressed, or `Request/Option` `compress` = `true`. */
  compressReply: boolean;
}

export interface StatusQuery {
  kind: 'DERGroupStatusQueriesRequestMessage';
  envelope: RequestEnvelope;
  /** Request/StartTime and EndTime, epoch ms: windows ending in this range; without them, the latest. */
  startTime?: number;
  endTime?: number;
  /** The groups asked about, by mRID; empty means every group. */
  groupIds: string[];
}

export interface ForecastQuery {
  kind: 'DERGroupForecastQueriesRequestMessage';
  envelope: RequestEnvelope;
  /** `DERMonitorableParameter/DERParameter` values asked for. */
  parameters: string[];
  /** From the first DispatchSchedule: intervals starting at or after startTime, at most numberOfIntervals. */
  startTime: number;
  numberOfIntervals: number;
  groupIds: string[];
}

export interface GroupQuery {
  kind: 'DERGroupQueriesRequestMessage';
  envelope: RequestEnvelope;
  groupIds: string[];
}

export interface GroupsRequest {
  kind: 'CreateDERGroups' | 'ChangeDERGroups' | 'DeleteDERGroups';
  envelope: RequestEnvelope;
  versions: GroupVersion[];
}

export interface GroupOperation {
  operationId: number;
  verb: 'create' | 'change' | 'delete';
  /** The versions, or why this operation cannot be carried out. */
  outcome: { versions: GroupVersion[] } | { error: DerstreamError };
}

export interface OperationSetRequest {
  kind: 'ExecuteDERGroupsOperationSet';
  envelope: RequestEnvelope;
  /** `enforceTransactionalIntegrity`: all operations or none. */
  transactional: boolean;
  operations: GroupOperation[];
}

export type IecRequest = StatusQuery | ForecastQuery | GroupQuery | GroupsRequest | OperationSetRequest;

/** A request that could not be read, with what could be learned to address the reply. */
export class UnreadableRequest extends Error {
  constructor(
    readonly error: IecRequestError,
    readonly envelope: RequestEnvelope,
  ) {
    super(error.message);
  }
}

const entityDecoder = xmlEntityDecoder((detail) => new IecRequestError('IEC_MALFORMED_XML', detail));

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  trimValues: true,
  entityDecoder,
  isArray: (name) =>
    ['EndDeviceGroup', 'mRID', 'Option', 'DERMonitorableParameter', 'DispatchSchedule', 'Operation'].includes(
      name,
    ),
});

/**
 * Text read from a request no parser has taken, as the parser would give it: trimmed,
 * its references decoded; as it stands where they do not decode (the request is refused
 * anyway, and the reply still names it).
 */
function guessedText(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    return entityDecoder.decode(raw.trim());
  } catch {
    return raw.trim();
  }
}

/**
 * Reads an IEC 61968-100 request addressed to derstream. Hostile input is refused before
 * anything parses it: over `maxBytes`, or carrying a DTD or entity declaration (so no
 * entity, internal or external, is ever expanded). The root tells the kind; what remains
 * must validate against that kind's draft message schema, in process, before it is
 * acted on. Throws {@link UnreadableRequest} carrying the error and the envelope
 * (MessageID and reply kind, as far as they could be read) so even a refusal is answered.
 */
export async function readIecRequest(
  input: Buffer | string,
  options: { maxBytes?: number; receivedAt: number },
): Promise<IecRequest> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  const unknownEnvelope: RequestEnvelope = { root: 'unknown', spec: GENERIC_RESPONSE, compressReply: false };
  if (size > maxBytes) {
    throw new UnreadableRequest(
      new IecRequestError('IEC_TOO_LARGE', `request is ${size} bytes, more than the ${maxBytes} allowed`),
      unknownEnvelope,
    );
  }
  const xml = xmlText(
    input,
    (detail) =>
      new UnreadableRequest(new IecRequestError('IEC_NOT_UTF8', `request ${detail}`), unknownEnvelope),
  );
  if (/<!(DOCTYPE|ENTITY)/i.test(xml)) {
    throw new UnreadableRequest(
      new IecRequestError(
        'IEC_DTD_REFUSED',
        'DOCTYPE and ENTITY declarations are refused (no DTD is ever processed)',
      ),
      unknownEnvelope,
    );
  }
  const root = rootName(xml);
  if (root === undefined) {
    throw new UnreadableRequest(
      new IecRequestError('IEC_NOT_XML', 'not an XML document: no root element found'),
      unknownEnvelope,
    );
  }
  const known = Object.hasOwn(REQUEST_KINDS, root) ? (root as RequestRoot) : undefined;
  const guessed: RequestEnvelope = {
    root,
    spec: known ? REQUEST_KINDS[known] : GENERIC_RESPONSE,
    messageId: guessedText(/<(?:[\w.-]+:)?MessageID\b[^>]*>([^<]{1,200})<\//.exec(xml)?.[1]),
    compressReply: false,
  };
  if (!known) throw new UnreadableRequest(unsupported(root), guessed);

  const spec = REQUEST_KINDS[known];
  // Well-formedness first, in this thread: most broken input stops here, before the
  // schema validator (a WebAssembly libxml2 in a worker, far dearer) is started.
  const wellFormed = XMLValidator.validate(xml);
  if (wellFormed !== true) {
    const { msg, line, col } = wellFormed.err;
    throw new UnreadableRequest(
      new IecRequestError(
        'IEC_MALFORMED_XML',
        `not well-formed XML at line ${line}, column ${col}: ${msg}`,
        `line ${line}`,
      ),
      guessed,
    );
  }
  const problems = await validateIecXml(xml, spec.set, spec.xsd);
  if (problems.length > 0) {
    const [first] = problems;
    throw new UnreadableRequest(
      new IecRequestError(
        'IEC_SCHEMA_INVALID',
        `not a valid ${known}: ${problems
          .slice(0, 3)
          .map((p) => p.message)
          .join('; ')}`,
        first!.line === null ? undefined : `line ${first!.line}`,
      ),
      guessed,
    );
  }
  // The validator has refused what the entity decoder would (undeclared entities, bad references).
  const message = (parser.parse(xml) as Record<string, Node>)[known]!;
  const header = message.Header as Node;
  const request = (message.Request ?? {}) as Node;
  const envelope: RequestEnvelope = {
    root: known,
    spec,
    messageId: str(header.MessageID),
    replyAddress: str(header.ReplyAddress),
    timestamp: time(header.Timestamp),
    compressReply:
      ((request.Option ?? []) as Node[]).some((o) => o.name === 'compress' && o.value === 'true') ||
      (message.Payload as Node | undefined)?.Compressed !== undefined,
  };
  // The verb and the noun say what is asked for, so a request with another is not this one.
  const headerMustBe = (field: 'Verb' | 'Noun', expected: string, code: IecRequestErrorCode) => {
    const given = str(header[field]);
    if (given === expected) return;
    throw new UnreadableRequest(
      new IecRequestError(
        code,
        `${known} needs Header/${field} "${expected}", not "${given}"`,
        `/${known}/Header/${field}`,
      ),
      envelope,
    );
  };
  headerMustBe('Verb', spec.verb, 'IEC_UNSUPPORTED_VERB');
  // An operation set's Header/Noun is left as sent: each operation names its own noun.
  if (known !== 'ExecuteDERGroupsOperationSet') headerMustBe('Noun', spec.noun, 'IEC_UNSUPPORTED_NOUN');

  switch (known) {
    case 'DERGroupStatusQueriesRequestMessage':
      return {
        kind: known,
        envelope,
        startTime: time(request.StartTime),
        endTime: time(request.EndTime),
        groupIds: groupIds(request.DERGroupStatusQueries),
      };
    case 'DERGroupQueriesRequestMessage':
      return { kind: known, envelope, groupIds: groupIds(request.DERGroupQueries) };
    case 'DERGroupForecastQueriesRequestMessage': {
      const query = request.DERGroupForecastQueries as Node;
      const schedule = (query.DispatchSchedule as Node[])[0]!;
      return {
        kind: known,
        envelope,
        parameters: (query.DERMonitorableParameter as Node[]).map((p) => str(p.DERParameter)!),
        startTime: time(schedule.startTime)!,
        numberOfIntervals: Number(schedule.numberOfIntervals),
        groupIds: groupIds(query),
      };
    }
    case 'CreateDERGroups':
    case 'ChangeDERGroups':
    case 'DeleteDERGroups':
      try {
        const read = parseDerGroupsXml(xml, { maxBytes, defaultEffectiveFrom: options.receivedAt });
        return { kind: known, envelope, versions: read.versions };
      } catch (error) {
        if (!(error instanceof DerstreamError)) throw error;
        throw new UnreadableRequest(asRequestError(error), envelope);
      }
    case 'ExecuteDERGroupsOperationSet':
      return operationSet(xml, message, envelope, maxBytes, options.receivedAt);
  }
}

type Node = Record<string, unknown>;

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function time(value: unknown): number | undefined {
  return typeof value === 'string' ? Date.parse(value) : undefined;
}

function groupIds(query: unknown): string[] {
  const groups = ((query as Node | undefined)?.EndDeviceGroup ?? []) as Node[];
  return groups.flatMap((group) => (group.mRID ?? []) as string[]);
}

/** The local name of the document element, past the declaration, comments and PIs. */
function rootName(xml: string): string | undefined {
  return /^\s*(?:(?:<\?[\s\S]*?\?>|<!--[\s\S]*?-->)\s*)*<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)/.exec(
    xml,
  )?.[1];
}

const OUR_NOUNS = ['DERGroups', 'DERGroupStatuses', 'DERGroupForecasts'];

function unsupported(root: string): IecRequestError {
  const noun =
    /^(?:Create|Change|Cancel|Close|Delete|Execute|Created|Changed|Canceled|Closed|Deleted|Executed)?(.*?)(?:RequestMessage|ResponseMessage|FaultMessage|OperationSet)?$/.exec(
      root,
    )?.[1];
  const ours =
    noun !== undefined && (OUR_NOUNS.includes(noun) || /^DERGroup(Status|Forecast)?Queries$/.test(noun));
  return ours
    ? new IecRequestError(
        'IEC_UNSUPPORTED_VERB',
        `${root} is not a request derstream acts on (it answers ${Object.keys(REQUEST_KINDS).join(', ')})`,
        `/${root}`,
      )
    : new IecRequestError(
        'IEC_UNSUPPORTED_NOUN',
        `noun ${noun || root} is not served by derstream (it serves ${OUR_NOUNS.join(', ')})`,
        `/${root}`,
      );
}

/** The membership parser's refusals that have a request code of their own; the others are IEC_INVALID. */
const GROUPS_REQUEST_CODES = new Map<string, IecRequestErrorCode>([
  ['GROUPS_TOO_LARGE', 'IEC_TOO_LARGE'],
  ['GROUPS_NOT_UTF8', 'IEC_NOT_UTF8'],
]);

function asRequestError(error: DerstreamError): IecRequestError {
  if (error instanceof IecRequestError) return error;
  const code = GROUPS_REQUEST_CODES.get(error.code) ?? 'IEC_INVALID';
  const xpath = /^(\/\S+): /.exec(error.message)?.[1];
  return new IecRequestError(code, `${error.code}: ${error.message}`, xpath);
}

const OPERATION_VERBS: Readonly<
  Record<string, { root: string; set: IecSchemaSet; verb: GroupOperation['verb'] }>
> = {
  create: { root: 'CreateDERGroups', set: 'create', verb: 'create' },
  change: { root: 'ChangeDERGroups', set: 'change', verb: 'change' },
  delete: { root: 'DeleteDERGroups', set: 'change', verb: 'delete' },
};

/**
 * The operations of an `ExecuteDERGroupsOperationSet`. OperationSet carries each
 * operation's profile element as `xs:any` with `processContents="skip"`, so the message
 * schema never checks it: each operation's `DERGroups` element is cut out of the
 * document, given every namespace declaration in scope, wrapped as the single-verb
 * message (`CreateDERGroups`, ...) it stands for, and that message is validated and read
 * like one sent on its own. A `Compressed` payload holds the OperationSet element.
 */
async function operationSet(
  xml: string,
  message: Node,
  envelope: RequestEnvelope,
  maxBytes: number,
  receivedAt: number,
): Promise<OperationSetRequest> {
  const payload = (message.Payload ?? {}) as Node;
  let source = xml;
  if (typeof payload.Compressed === 'string') {
    let inflated: Buffer;
    try {
      inflated = gunzipSync(Buffer.from(payload.Compressed.replace(/\s+/g, ''), 'base64'), {
        maxOutputLength: maxBytes,
      });
    } catch (error) {
      throw new UnreadableRequest(
        new IecRequestError(
          'IEC_INVALID',
          `Payload/Compressed: not gzip within ${maxBytes} bytes: ${(error as Error).message}`,
        ),
        envelope,
      );
    }
    source = xmlText(
      inflated,
      (detail) =>
        new UnreadableRequest(new IecRequestError('IEC_NOT_UTF8', `Payload/Compressed ${detail}`), envelope),
    );
    if (/<!(DOCTYPE|ENTITY)/i.test(source)) {
      throw new UnreadableRequest(
        new IecRequestError(
          'IEC_DTD_REFUSED',
          'Payload/Compressed: DOCTYPE and ENTITY declarations are refused',
        ),
        envelope,
      );
    }
  }
  const declarations = [...source.matchAll(/\sxmlns(?::([\w.-]+))?\s*=\s*("[^"]*"|'[^']*')/g)]
    .filter(([, prefix]) => prefix !== 'dsop' && prefix !== 'dsmsg')
    .map(([, prefix, value]) => ` xmlns${prefix === undefined ? '' : `:${prefix}`}=${value}`);
  const unique = [...new Map(declarations.map((d) => [d.split('=')[0], d])).values()].join('');
  const setMatch = /<([\w.-]+:)?OperationSet\b[^>]*>([\s\S]*?)<\/\1?OperationSet>/.exec(source);
  if (!setMatch) {
    throw new UnreadableRequest(
      new IecRequestError(
        'IEC_INVALID',
        'Payload has no OperationSet',
        '/ExecuteDERGroupsOperationSet/Payload',
      ),
      envelope,
    );
  }
  const body = setMatch[2]!;
  const transactional = /<(?:[\w.-]+:)?enforceTransactionalIntegrity>\s*(true|1)\s*</.test(body);
  const operations: GroupOperation[] = [];
  for (const [index, match] of [
    ...body.matchAll(/<([\w.-]+:)?Operation\b[^>]*>([\s\S]*?)<\/\1?Operation>/g),
  ].entries()) {
    const content = match[2]!;
    const operationId = Number(/<(?:[\w.-]+:)?operationId>\s*([^<]*?)\s*</.exec(content)?.[1]);
    const verbText = /<(?:[\w.-]+:)?verb>\s*([^<]*?)\s*</.exec(content)?.[1] ?? '';
    const nounText = /<(?:[\w.-]+:)?noun>\s*([^<]*?)\s*</.exec(content)?.[1] ?? 'DERGroups';
    const path = `/ExecuteDERGroupsOperationSet/Payload/OperationSet/Operation[${index + 1}]`;
    const target = OPERATION_VERBS[verbText];
    const fail = (error: DerstreamError): GroupOperation => ({
      operationId,
      verb: target?.verb ?? 'change',
      outcome: { error },
    });
    if (nounText !== 'DERGroups') {
      operations.push(
        fail(
          new IecRequestError(
            'IEC_UNSUPPORTED_NOUN',
            `operation ${operationId}: noun ${nounText} is not supported in a DERGroups operation set`,
            `${path}/noun`,
          ),
        ),
      );
      continue;
    }
    if (!target) {
      operations.push(
        fail(
          new IecRequestError(
            'IEC_UNSUPPORTED_VERB',
            `operation ${operationId}: verb "${verbText}" is not one of create, change, delete`,
            `${path}/verb`,
          ),
        ),
      );
      continue;
    }
    const groups = /<([\w.-]+:)?DERGroups\b[\s\S]*<\/\1?DERGroups>/.exec(content)?.[0];
    if (groups === undefined) {
      operations.push(
        fail(new IecRequestError('IEC_INVALID', `operation ${operationId}: no DERGroups element`, path)),
      );
      continue;
    }
    const single =
      `<dsop:${target.root} xmlns:dsop="http://iec.ch/TC57/2017/DERGroupsMessage" xmlns:dsmsg="${IEC_MESSAGE_NAMESPACE}"${unique}>` +
      `<dsop:Header><dsmsg:Verb>${target.verb}</dsmsg:Verb><dsmsg:Noun>DERGroups</dsmsg:Noun>` +
      (envelope.timestamp === undefined
        ? ''
        : `<dsmsg:Timestamp>${new Date(envelope.timestamp).toISOString()}</dsmsg:Timestamp>`) +
      `</dsop:Header><dsop:Payload>${groups}</dsop:Payload></dsop:${target.root}>`;
    const problems = await validateIecXml(single, target.set, 'DERGroupsMessage.xsd');
    if (problems.length > 0) {
      operations.push(
        fail(
          new IecRequestError(
            'IEC_SCHEMA_INVALID',
            `operation ${operationId}: not a valid ${target.root}: ${problems
              .slice(0, 3)
              .map((p) => p.message)
              .join('; ')}`,
            path,
          ),
        ),
      );
      continue;
    }
    try {
      const read = parseDerGroupsXml(single, { maxBytes, defaultEffectiveFrom: receivedAt });
      operations.push({ operationId, verb: target.verb, outcome: { versions: read.versions } });
    } catch (error) {
      if (!(error instanceof DerstreamError)) throw error;
      operations.push(fail(asRequestError(error)));
    }
  }
  return { kind: 'ExecuteDERGroupsOperationSet', envelope, transactional, operations };
}
