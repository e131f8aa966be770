import { gzipSync } from 'node:zlib';
import { COMPRESSED_FORMAT, escapeXml, IEC_MESSAGE_NAMESPACE, messageHeader } from './derGroupStatuses';

/** One problem with a request, as `Reply/Error`. */
export interface ReplyError {
  /** Stable, machine-readable: `UNKNOWN_GROUP`, `IEC_SCHEMA_INVALID`, ... */
  code: string;
  level: 'INFORM' | 'WARNING' | 'FATAL' | 'CATASTROPHIC';
  reason: string;
  /**
   * Where in the request. Written as `details` `xpath=…`: the draft's Message.xsd types
   * `Error/xpath` as xs:QName, which no path with a `/` is.
   */
  xpath?: string;
  /** `Error/ID`: the object the error is about (a group's mRID). */
  id?: string;
  /** `Error/operationId`: the operation of an OperationSet this error is about. */
  operationId?: number;
}

export type ReplyResult = 'OK' | 'PARTIAL' | 'FAILED';

export interface ReplyHeader {
  messageId: string;
  /** The request's MessageID. */
  correlationId?: string;
  timestamp: number;
  source: string;
}

export interface ResponseMessage {
  /** Root element, e.g. `DERGroupQueriesResponseMessage`, or `ResponseMessage` for the generic one. */
  root: string;
  /** Namespace of the root, Reply and Payload (the `*Message.xsd` target namespace). */
  namespace: string;
  /** `Header/Noun`. */
  noun: string;
  header: ReplyHeader;
  result: ReplyResult;
  errors: readonly ReplyError[];
  /** `Reply/ID`: the objects the reply is about (e.g. the groups created). */
  ids?: readonly string[];
  /** The profile element, written as is, or gzipped and base64-encoded into `Compressed`. */
  payload?: string;
  compressed?: boolean;
}

/**
 * An IEC 61968-100 ResponseMessage (verb `reply`): Header, Reply with Result, an Error
 * per problem and an ID per object, then the Payload when there is one. The payload
 * types of every response we send make the profile element optional, so a compressed
 * payload needs no placeholder beside it.
 */
export function toResponseMessage(message: ResponseMessage): string {
  const text = (name: string, value: string | undefined) =>
    value === undefined ? '' : `<msg:${name}>${escapeXml(value)}</msg:${name}>`;
  const errors = message.errors
    .map(
      (e) =>
        '<msg:Error>' +
        text('code', e.code) +
        text('level', e.level) +
        text('reason', e.reason) +
        text('details', e.xpath === undefined ? undefined : `xpath=${e.xpath}`) +
        text('ID', e.id) +
        text('operationId', e.operationId === undefined ? undefined : String(e.operationId)) +
        '</msg:Error>',
    )
    .join('');
  const ids = (message.ids ?? []).map((id) => text('ID', id)).join('');
  const generic = message.namespace === IEC_MESSAGE_NAMESPACE;
  // The generic ResponseMessage's Reply and Payload are in Message.xsd's own namespace.
  const p = generic ? 'msg' : 'm';
  let payload = '';
  if (message.payload !== undefined) {
    payload = message.compressed
      ? `<${p}:Compressed>${gzipSync(Buffer.from(message.payload, 'utf8')).toString('base64')}</${p}:Compressed>` +
        `<${p}:Format>${COMPRESSED_FORMAT}</${p}:Format>`
      : message.payload;
    payload = `<${p}:Payload>${payload}</${p}:Payload>`;
  }
  const header = messageHeader('reply', message.noun, message.header).replace(/m:Header>/g, `${p}:Header>`);
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<${p}:${message.root} ` +
    (generic ? '' : `xmlns:m="${escapeXml(message.namespace)}" `) +
    `xmlns:msg="${IEC_MESSAGE_NAMESPACE}">` +
    header +
    `<${p}:Reply>${text('Result', message.result)}${errors}${ids}</${p}:Reply>` +
    payload +
    `</${p}:${message.root}>`
  );
}

/** OK without errors, FAILED when nothing was answered, PARTIAL in between. */
export function resultOf(answered: number, errors: readonly ReplyError[]): ReplyResult {
  if (errors.length === 0) return 'OK';
  return answered > 0 ? 'PARTIAL' : 'FAILED';
}
