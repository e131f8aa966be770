import { XMLParser } from 'fast-xml-parser';
import { GroupStatus } from '../aggregate/groupStatus';
import { DerstreamError } from '../errors';
import {
  escapeXml,
  IEC_MESSAGE_NAMESPACE,
  messageHeader,
  toDerGroupStatusesProfile,
} from './derGroupStatuses';
import { validateIecXml } from './iecSchemas';

export const DER_GROUP_STATUS_QUERIES_MESSAGE_NAMESPACE =
  'http://iec.ch/TC57/2017/DERGroupStatusQueriesMessage';
export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/** Why a request was refused: each becomes an Error of a FAILED reply. */
export type IecRequestErrorCode = 'IEC_TOO_LARGE' | 'IEC_DTD_REFUSED' | 'IEC_SCHEMA_INVALID';

export class IecRequestError extends DerstreamError {
  declare readonly code: IecRequestErrorCode;
  constructor(
    code: IecRequestErrorCode,
    message: string,
    /** Where in the request, when known (a line for schema problems). */
    readonly xpath?: string,
  ) {
    super(code, message, false);
  }
}

/** What a `DERGroupStatusQueriesRequestMessage` asks for. */
export interface DerGroupStatusQuery {
  messageId?: string;
  /** Where the reply goes (for us, a Kafka topic); none means the default replies topic. */
  replyAddress?: string;
  /** Request/StartTime and EndTime, epoch ms: a range of windows; without them, the latest. */
  startTime?: number;
  endTime?: number;
  /** The groups asked about, by mRID; empty means every group. */
  groupIds: string[];
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => ['EndDeviceGroup', 'mRID'].includes(name),
});

/**
 * Reads a status query. Hostile input is refused before anything parses it: over
 * `maxBytes`, or carrying a DTD or entity declaration. What remains must validate
 * against the draft's `get/DERGroupStatusQueriesMessage.xsd` (in process), which also
 * settles well-formedness and the root element, before it is acted on.
 */
export async function readDerGroupStatusQuery(
  xml: string,
  maxBytes = DEFAULT_MAX_REQUEST_BYTES,
): Promise<DerGroupStatusQuery> {
  const size = Buffer.byteLength(xml);
  if (size > maxBytes)
    throw new IecRequestError('IEC_TOO_LARGE', `request is ${size} bytes, more than the ${maxBytes} allowed`);
  if (/<!(DOCTYPE|ENTITY)/i.test(xml)) {
    throw new IecRequestError(
      'IEC_DTD_REFUSED',
      'DOCTYPE and ENTITY declarations are refused (no DTD is ever processed)',
    );
  }
  const problems = await validateIecXml(xml, 'get', 'DERGroupStatusQueriesMessage.xsd');
  if (problems.length > 0) {
    const [first] = problems;
    throw new IecRequestError(
      'IEC_SCHEMA_INVALID',
      `not a valid DERGroupStatusQueriesRequestMessage: ${problems
        .map((p) => p.message)
        .slice(0, 3)
        .join('; ')}`,
      first!.line === null ? undefined : `line ${first!.line}`,
    );
  }
  const root = (parser.parse(xml) as Record<string, Record<string, unknown>>)
    .DERGroupStatusQueriesRequestMessage!;
  const header = root.Header as Record<string, string | undefined>;
  const request = (root.Request ?? {}) as Record<string, unknown>;
  const queries = request.DERGroupStatusQueries as { EndDeviceGroup?: { mRID?: string[] }[] } | undefined;
  const time = (value: unknown) => (typeof value === 'string' ? Date.parse(value) : undefined);
  return {
    messageId: header.MessageID,
    replyAddress: header.ReplyAddress,
    startTime: time(request.StartTime),
    endTime: time(request.EndTime),
    groupIds: (queries?.EndDeviceGroup ?? []).flatMap((group) => group.mRID ?? []),
  };
}

export interface ReplyError {
  code: string;
  level: 'INFORM' | 'WARNING' | 'FATAL' | 'CATASTROPHIC';
  reason: string;
  /**
   * Where in the request. Written as `details` `xpath=…`: the draft's Message.xsd types
   * `Error/xpath` as xs:QName, which no path with a `/` is.
   */
  xpath?: string;
}

export interface ReplyHeader {
  messageId: string;
  /** The request's MessageID. */
  correlationId?: string;
  timestamp: number;
  source: string;
}

/**
 * The `DERGroupStatusQueriesResponseMessage` for a query: Reply with Result (OK, or
 * PARTIAL when some groups were unknown, or FAILED) and an Error per problem, and the
 * statuses found as the `DERGroupStatuses` profile (left out when there are none).
 */
export function toDerGroupStatusQueriesResponse(
  statuses: GroupStatus[],
  result: 'OK' | 'PARTIAL' | 'FAILED',
  errors: readonly ReplyError[],
  header: ReplyHeader,
): string {
  const text = (name: string, value: string | undefined) =>
    value === undefined ? '' : `<msg:${name}>${escapeXml(value)}</msg:${name}>`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<m:DERGroupStatusQueriesResponseMessage xmlns:m="${DER_GROUP_STATUS_QUERIES_MESSAGE_NAMESPACE}" xmlns:msg="${IEC_MESSAGE_NAMESPACE}">` +
    messageHeader('reply', 'DERGroupStatuses', header) +
    '<m:Reply>' +
    text('Result', result) +
    errors
      .map(
        (e) =>
          `<msg:Error>${text('code', e.code)}${text('level', e.level)}${text('reason', e.reason)}` +
          `${text('details', e.xpath === undefined ? undefined : `xpath=${e.xpath}`)}</msg:Error>`,
      )
      .join('') +
    '</m:Reply>' +
    (statuses.length > 0 ? `<m:Payload>${toDerGroupStatusesProfile(statuses)}</m:Payload>` : '') +
    '</m:DERGroupStatusQueriesResponseMessage>'
  );
}
