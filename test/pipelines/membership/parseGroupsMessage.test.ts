import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GroupsInputError } from '../../../pipelines/membership/groupsInputError';
import { parseGroupsMessage } from '../../../pipelines/membership/parseGroupsMessage';

const fixture = (name: string): Buffer => readFileSync(join(__dirname, 'fixtures', name));

function refusal(input: Buffer | string, source?: string): GroupsInputError {
  try {
    parseGroupsMessage(input, source === undefined ? {} : { source });
  } catch (error) {
    if (error instanceof GroupsInputError) return error;
    throw error;
  }
  throw new Error('expected a GroupsInputError');
}

describe('parseGroupsMessage', () => {
  it('reads the JSON file form', () => {
    const text = '{"groups": [{"mRID": "g1", "members": [{"deviceId": "d1"}]}]}';
    expect(parseGroupsMessage(text)).toEqual([
      { groupId: 'g1', effectiveFrom: 0, deleted: false, members: [{ deviceId: 'd1' }] },
    ]);
  });

  it('reads a single group version object, as a Buffer with a BOM and leading whitespace', () => {
    const body = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('\n  {"mRID": "g2", "effectiveFrom": 120000, "deleted": true}'),
    ]);
    expect(parseGroupsMessage(body)).toEqual([
      { groupId: 'g2', effectiveFrom: 120000, deleted: true, members: [] },
    ]);
  });

  it('reports single-object errors without a groups[] prefix', () => {
    const error = refusal('{"mRID": "g", "members": [{"deviceId": "d", "ratedPower": -1}]}');
    expect(error.code).toBe('GROUPS_INVALID');
    expect(error.message).toBe('members[0].ratedPower: must be a positive number');
  });

  it('reads XML when the first significant character is <, from a Buffer or a string', () => {
    const bytes = fixture('delete-der-groups.xml');
    const expected = [{ groupId: 'g-storage', effectiveFrom: 1714694400000, deleted: true, members: [] }];
    expect(parseGroupsMessage(bytes)).toEqual(expected);
    // Whitespace may precede the root element, not the XML declaration, so that goes.
    const withoutDeclaration = bytes.toString('utf8').replace(/^<\?xml[^>]*>/, '');
    expect(parseGroupsMessage(`  \n${withoutDeclaration}`)).toEqual(expected);
  });

  it('passes maxBytes to the XML parser', () => {
    const error = (() => {
      try {
        parseGroupsMessage(fixture('delete-der-groups.xml'), { maxBytes: 100 });
      } catch (e) {
        return e as GroupsInputError;
      }
      throw new Error('expected a refusal');
    })();
    expect(error.code).toBe('GROUPS_TOO_LARGE');
  });

  it('refuses JSON that is neither form', () => {
    for (const text of ['[]', '42', '{"name": "x"}']) {
      const error = refusal(text);
      expect(error.code).toBe('GROUPS_INVALID');
      expect(error.message).toBe(
        '(root): must be {"groups": [...]} or one group version object with an "mRID"',
      );
    }
  });

  it('refuses empty input as malformed JSON', () => {
    expect(refusal('   ').code).toBe('GROUPS_MALFORMED_JSON');
  });

  it('puts the source before the message and keeps the code', () => {
    const json = refusal('{"groups": [{"mRID": ""}]}', 'groups.json');
    expect(json.code).toBe('GROUPS_INVALID');
    expect(json.message).toBe('groups.json: groups[0].mRID: must be a non-empty string');
    const xml = refusal(fixture('xxe.xml'), 'der.groups@0:17');
    expect(xml.code).toBe('GROUPS_DTD_REFUSED');
    expect(xml.message).toMatch(/^der\.groups@0:17: message: DOCTYPE and ENTITY declarations are refused/);
  });

  it('reads names outside ASCII in UTF-8, and refuses them in another encoding rather than store them changed', () => {
    const json = '{"groups": [{"mRID": "g1", "name": "Rivière", "members": [{"deviceId": "d1"}]}]}';
    expect(parseGroupsMessage(Buffer.from(json, 'utf8'))[0]!.name).toBe('Rivière');
    const latin1Json = refusal(Buffer.from(json, 'latin1'), 'groups.json');
    expect(latin1Json.code).toBe('GROUPS_NOT_UTF8');
    expect(latin1Json.message).toMatch(
      /^groups\.json: message is not UTF-8 \(byte \d+ is 0xe8\); send it as UTF-8$/,
    );

    const xml = fixture('create-der-groups.xml')
      .toString('utf8')
      .replace('Feeder 12 &amp; laterals', 'Rivière');
    expect(parseGroupsMessage(Buffer.from(xml, 'utf8')).map((v) => v.name)).toContain('Rivière');
    const latin1 = xml.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"');
    expect(refusal(Buffer.from(latin1, 'latin1')).message).toMatch(
      /^message is not UTF-8 \(byte \d+ is 0xe8\)/,
    );
    const declared = refusal(Buffer.from(latin1, 'utf8'), 'der.groups@0:18');
    expect(declared.code).toBe('GROUPS_NOT_UTF8');
    expect(declared.message).toMatch(
      /^der\.groups@0:18: message declares encoding "ISO-8859-1" but has a character outside ASCII/,
    );
  });
});
