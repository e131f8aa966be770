import { utf8Text } from '../decode/utf8Text';
import { GroupVersion } from './groupVersion';
import { GroupsInputError } from './groupsInputError';
import { DerGroupsXmlOptions, parseDerGroupsXml } from './parseDerGroupsXml';
import { validateIecXml } from '../translate/iecSchemas';
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
  return withSource(options.source, () => parse(bytes, options));
}

/** Runs `work`, putting `source` before the message of a GroupsInputError it throws. */
function withSource<T>(source: string | undefined, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (source === undefined || !(error instanceof GroupsInputError)) throw error;
    throw new GroupsInputError(error.code, `${source}: ${error.message}`, { cause: error });
  }
}

function parse(bytes: Buffer | string, options: DerGroupsXmlOptions): GroupVersion[] {
  if (firstSignificantChar(bytes) === '<') return parseDerGroupsXml(bytes, options).versions;
  const text = utf8Text(bytes, (detail) => new GroupsInputError('GROUPS_NOT_UTF8', `message ${detail}`));
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

/**
 * {@link parseGroupsMessage}, and for an IEC message also the check against the draft
 * XSDs before any of it is acted on (create and created against the `create` set;
 * change, delete and their events against `change`). The parse comes first because it
 * is where size, DTDs and entities are refused: hostile input never reaches the
 * validator. The membership inputs (groups files, `der.groups`) read through this.
 */
export async function readGroupsMessage(
  bytes: Buffer | string,
  options: ParseGroupsMessageOptions = {},
): Promise<GroupVersion[]> {
  if (firstSignificantChar(bytes) !== '<') return parseGroupsMessage(bytes, options);
  const { verb, versions } = withSource(options.source, () => parseDerGroupsXml(bytes, options));
  const xml = typeof bytes === 'string' ? bytes : bytes.toString('utf8');
  const set = verb === 'create' || verb === 'created' ? 'create' : 'change';
  const problems = await validateIecXml(xml, set, 'DERGroupsMessage.xsd');
  if (problems.length === 0) return versions;
  const where = options.source === undefined ? '' : `${options.source}: `;
  const listed = problems
    .slice(0, 3)
    .map((p) => (p.line === null ? p.message : `line ${p.line}: ${p.message}`))
    .join('; ');
  throw new GroupsInputError(
    'GROUPS_SCHEMA_INVALID',
    `${where}not valid against the ${set} DERGroups schema: ${listed}`,
  );
}
