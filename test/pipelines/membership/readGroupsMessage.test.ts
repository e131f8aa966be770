import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGroupsMessage, readGroupsMessage } from '../../../pipelines/membership/parseGroupsMessage';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');

describe('readGroupsMessage: parsed, then checked against the DERGroups schemas', () => {
  it.each([
    'create-der-groups.xml',
    'change-der-groups.xml',
    'delete-der-groups.xml',
    'created-der-groups-event.xml',
    'change-der-groups-compressed.xml',
  ])('accepts the schema-valid %s with the versions the parser gives', async (name) => {
    const xml = fixture(name);
    expect(await readGroupsMessage(xml)).toEqual(parseGroupsMessage(xml));
  });

  it('refuses a well-formed message the create schema does not allow, saying where', async () => {
    // DERFunction is required in a create: without it the parser is content, the schema is not.
    const xml = fixture('create-der-groups.xml').replace(
      /<([\w:]*)DERFunction>[\s\S]*?<\/\1DERFunction>/g,
      '',
    );
    expect(xml).not.toContain('DERFunction');
    expect(parseGroupsMessage(xml).length).toBeGreaterThan(0);
    await expect(readGroupsMessage(xml, { source: 'der.groups/0/7' })).rejects.toMatchObject({
      code: 'GROUPS_SCHEMA_INVALID',
      retriable: false,
      message: expect.stringMatching(
        /^der\.groups\/0\/7: not valid against the create DERGroups schema: line \d+: .*Expected is \( \{http:\/\/iec\.ch\/TC57\/2017\/DERGroups#\}DERFunction \)/,
      ),
    });
  });

  it('refuses a character XML 1.0 cannot carry, with the line of the one the parser stopped at', async () => {
    const xml = fixture('create-der-groups.xml').replace(/<([\w:]*)description>/, '$&bad\u0001');
    expect(xml).toContain('bad\u0001');
    const refusal = readGroupsMessage(xml);
    await expect(refusal).rejects.toMatchObject({ code: 'GROUPS_SCHEMA_INVALID' });
    // libxml2 follows its error with the text around it, which has no line of its own.
    await expect(refusal).rejects.toThrow(/: line \d+: parser error : PCDATA invalid Char value 1; [^;]*$/);
    await expect(refusal).rejects.not.toThrow(/NaN/);
  });

  it('refuses DTDs and entities before any validation', async () => {
    await expect(readGroupsMessage(fixture('xxe.xml'))).rejects.toMatchObject({ code: 'GROUPS_DTD_REFUSED' });
    await expect(readGroupsMessage(fixture('billion-laughs.xml'))).rejects.toMatchObject({
      code: 'GROUPS_DTD_REFUSED',
    });
  });

  it('reads JSON as it is', async () => {
    const json = JSON.stringify({ mRID: 'g1', members: [{ deviceId: 'd1' }] });
    expect(await readGroupsMessage(json)).toEqual(parseGroupsMessage(json));
  });
});
