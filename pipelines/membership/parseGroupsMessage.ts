import { GroupVersion } from './groupVersion';
import { GroupsInputError } from './groupsInputError';
import { DerGroupsXmlOptions, parseDerGroupsXml } from './parseDerGroupsXml';
import { groupVersionFromJson, groupVersionsFromJson, parseJsonText } from './parseGroupsJson';

export interface ParseGroupsMessageOptions extends DerGroupsXmlOptions {
  /** Where the input came from (a file path, `der.groups@3:1207`), put before every error message. */
  source?: string;
}

/**
 * One membership input, whatever its form: a `der.groups` record value, an HTTP body or
 * a groups file. Senders do not label their format, so it is told from the first
 * non-whitespace character: `<` is an IEC 61968-100 DERGroups message
 * ({@link parseDerGroupsXml}), anything else is JSON, either the file form
 * `{"groups": [...]}` or one group version `{"mRID": ..., ...}` (SEMANTICS.md §2), the
 * natural record value for a topic keyed by group.
 *
 * `maxBytes` bounds XML only, where parsing cost and compression make size an attack
 * surface; JSON groups files of a large fleet are legitimately bigger, and HTTP bodies
 * are bounded where they are read.
 */
export function parseGroupsMessage(
  bytes: Buffer | string,
  options: ParseGroupsMessageOptions = {},
): GroupVersion[] {
  try {
    return parse(bytes, options);
  } catch (error) {
    if (options.source === undefined || !(error instanceof GroupsInputError)) throw error;
    throw new GroupsInputError(error.code, `${options.source}: ${error.message}`, { cause: error });
  }
}

function parse(bytes: Buffer | string, options: DerGroupsXmlOptions): GroupVersion[] {
  if (firstSignificantChar(bytes) === '<') return parseDerGroupsXml(bytes, options).versions;
  const text = (typeof bytes === 'string' ? bytes : bytes.toString('utf8')).replace(/^\uFEFF/, '');
  const value = parseJsonText(text);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    if ('groups' in value) return groupVersionsFromJson(value);
    if ('mRID' in value) return [groupVersionFromJson(value, '')];
  }
  throw new GroupsInputError(
    'GROUPS_INVALID',
    '(root): must be {"groups": [...]} or one group version object with an "mRID"',
  );
}

/** The first character that is not whitespace or a byte-order mark, read without decoding the rest. */
function firstSignificantChar(bytes: Buffer | string): string | undefined {
  if (typeof bytes === 'string') return /^[\s\uFEFF]*(.)/.exec(bytes)?.[1];
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && [0x20, 0x09, 0x0a, 0x0d].includes(bytes[i]!)) i++;
  return i < bytes.length ? String.fromCharCode(bytes[i]!) : undefined;
}
