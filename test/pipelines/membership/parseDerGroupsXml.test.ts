import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { GroupsInputError } from '../../../pipelines/membership/groupsInputError';
import { DerGroupsXmlOptions, parseDerGroupsXml } from '../../../pipelines/membership/parseDerGroupsXml';

const fixture = (name: string): Buffer => readFileSync(join(__dirname, 'fixtures', name));

function refusal(input: Buffer | string, options?: DerGroupsXmlOptions): GroupsInputError {
  try {
    parseDerGroupsXml(input, options);
  } catch (error) {
    if (error instanceof GroupsInputError) return error;
    throw error;
  }
  throw new Error('expected a GroupsInputError');
}

const HEADER_NS = 'http://iec.ch/TC57/2011/schema/message';

/** A message around `payload`, for the cases the fixtures do not cover. */
function message(root: string, verb: string, headerExtra: string, payload: string): string {
  return (
    `<${root} xmlns="http://iec.ch/TC57/2017/DERGroupsMessage" xmlns:h="${HEADER_NS}"` +
    ` xmlns:m="http://iec.ch/TC57/2017/DERGroups#">` +
    `<Header><h:Verb>${verb}</h:Verb><h:Noun>DERGroups</h:Noun>${headerExtra}</Header>` +
    `${payload}</${root}>`
  );
}

const STAMP = '<h:Timestamp>2024-05-01T10:00:00Z</h:Timestamp>';
const groupsPayload = (groups: string): string => `<Payload><m:DERGroups>${groups}</m:DERGroups></Payload>`;
const create = (groups: string, headerExtra = STAMP): string =>
  message('CreateDERGroups', 'create', headerExtra, groupsPayload(groups));

describe('parseDerGroupsXml: valid messages (fixtures checked with xmllint --schema)', () => {
  /** The DERFunction flags the create fixtures declare, kept as declared. */
  const DECLARED = {
    connectDisconnect: true,
    frequencyWattCurveFunction: false,
    maxRealPowerLimiting: true,
    rampRateControl: false,
    reactivePowerDispatch: false,
    realPowerDispatch: true,
    voltageRegulation: false,
    voltVarCurveFunction: false,
    voltWattCurveFunction: false,
  };

  it('maps CreateDERGroups: mRID, first Names/name, EndDevices, version/date or Header/Timestamp', () => {
    expect(parseDerGroupsXml(fixture('create-der-groups.xml'))).toEqual({
      verb: 'create',
      messageId: 'msg-create-1',
      versions: [
        {
          groupId: 'g-feeder-12',
          name: 'Feeder 12 & laterals',
          effectiveFrom: 1714557600000, // Header/Timestamp 2024-05-01T10:00:00Z
          deleted: false,
          members: [{ deviceId: 'd1' }, { deviceId: 'd2' }],
          derFunction: DECLARED,
        },
        {
          groupId: 'g-storage',
          name: 'Storage fleet', // no Names: the description
          effectiveFrom: 1714559400250, // version/date 2024-05-01T12:30:00.250+02:00
          deleted: false,
          members: [{ deviceId: 'd2' }, { deviceId: 'd3' }],
          derFunction: DECLARED,
        },
      ],
    });
  });

  it('maps ChangeDERGroups with default namespaces: the EndDevices list is the whole new membership', () => {
    expect(parseDerGroupsXml(fixture('change-der-groups.xml'))).toEqual({
      verb: 'change',
      versions: [
        {
          groupId: 'g-feeder-12',
          effectiveFrom: 1714640400000, // version/date 2024-05-02T09:00:00Z wins over the Timestamp
          deleted: false,
          members: [{ deviceId: 'd1' }, { deviceId: 'd4' }],
        },
      ],
    });
  });

  it('maps DeleteDERGroups to a deleted version at the Header/Timestamp', () => {
    expect(parseDerGroupsXml(fixture('delete-der-groups.xml'))).toEqual({
      verb: 'delete',
      messageId: 'msg-delete-1',
      versions: [{ groupId: 'g-storage', effectiveFrom: 1714694400000, deleted: true, members: [] }],
    });
  });

  it('maps the CreatedDERGroups event, a group without members, and a Timestamp without zone as UTC', () => {
    expect(parseDerGroupsXml(fixture('created-der-groups-event.xml'))).toEqual({
      verb: 'created',
      versions: [
        {
          groupId: 'g-empty',
          effectiveFrom: 1714557605500,
          deleted: false,
          members: [],
          derFunction: DECLARED,
        },
      ],
    });
  });

  it('reads a Compressed payload in place of the schema-required inline placeholder', () => {
    expect(parseDerGroupsXml(fixture('change-der-groups-compressed.xml'))).toEqual({
      verb: 'change',
      versions: [
        {
          groupId: 'g-compressed',
          name: 'Compressed group',
          effectiveFrom: 1714780800000, // Header/Timestamp 2024-05-04T00:00:00Z
          deleted: false,
          members: [{ deviceId: 'd7' }, { deviceId: 'd8' }],
        },
      ],
    });
  });
});

describe('parseDerGroupsXml: other accepted shapes', () => {
  it('maps Changed and Deleted events, ignoring EndDevices in a deletion', () => {
    const group =
      '<m:EndDeviceGroup><m:mRID>g</m:mRID><m:EndDevices><m:mRID>d1</m:mRID></m:EndDevices></m:EndDeviceGroup>';
    expect(
      parseDerGroupsXml(message('ChangedDERGroups', 'changed', STAMP, groupsPayload(group))).versions,
    ).toEqual([
      { groupId: 'g', effectiveFrom: 1714557600000, deleted: false, members: [{ deviceId: 'd1' }] },
    ]);
    expect(parseDerGroupsXml(message('DeletedDERGroups', 'deleted', STAMP, groupsPayload(group)))).toEqual({
      verb: 'deleted',
      versions: [{ groupId: 'g', effectiveFrom: 1714557600000, deleted: true, members: [] }],
    });
  });

  it('yields no versions for a message without Payload', () => {
    expect(parseDerGroupsXml(message('CreatedDERGroups', 'created', STAMP, ''))).toEqual({
      verb: 'created',
      versions: [],
    });
  });

  it('decodes character references and predefined entities in values', () => {
    const group =
      '<m:EndDeviceGroup><m:mRID>g&#x2F;1</m:mRID><m:Names><m:name>A&#65;&lt;&gt;</m:name></m:Names></m:EndDeviceGroup>';
    expect(parseDerGroupsXml(create(group)).versions[0]).toMatchObject({ groupId: 'g/1', name: 'AA<>' });
  });

  it('reads a Compressed-only payload, and dateTimes with offsets and leap days', () => {
    const inner =
      '<DERGroups xmlns="http://iec.ch/TC57/2017/DERGroups#"><EndDeviceGroup><mRID>g</mRID>' +
      '<version><date>2024-02-29T23:59:59.9999-05:30</date></version></EndDeviceGroup></DERGroups>';
    const payload = `<Payload><Compressed>${gzipSync(inner).toString('base64')}</Compressed></Payload>`;
    expect(parseDerGroupsXml(message('ChangeDERGroups', 'change', '', payload)).versions).toEqual([
      { groupId: 'g', effectiveFrom: 1709270999999, deleted: false, members: [] },
    ]);
  });
});

describe('parseDerGroupsXml: refusals', () => {
  it('refuses an external entity with GROUPS_DTD_REFUSED, before anything is resolved', () => {
    const error = refusal(fixture('xxe.xml'));
    expect(error.code).toBe('GROUPS_DTD_REFUSED');
    expect(error.retriable).toBe(false);
    expect(error.message).toBe(
      'message: DOCTYPE and ENTITY declarations are refused (no DTD is ever processed)',
    );
  });

  it('refuses billion laughs with GROUPS_DTD_REFUSED', () => {
    expect(refusal(fixture('billion-laughs.xml')).code).toBe('GROUPS_DTD_REFUSED');
  });

  it('refuses a DOCTYPE hidden inside a Compressed payload', () => {
    const inner = '<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><DERGroups/>';
    const payload = `<Payload><Compressed>${gzipSync(inner).toString('base64')}</Compressed></Payload>`;
    const error = refusal(message('ChangeDERGroups', 'change', STAMP, payload));
    expect(error.code).toBe('GROUPS_DTD_REFUSED');
    expect(error.message).toMatch(/^\/ChangeDERGroups\/Payload\/Compressed: DOCTYPE/);
  });

  it('refuses a message over maxBytes before parsing it (default 4 MiB)', () => {
    const big = `<CreateDERGroups>${' '.repeat(4 * 1024 * 1024)}</CreateDERGroups>`;
    const error = refusal(big);
    expect(error.code).toBe('GROUPS_TOO_LARGE');
    expect(error.message).toBe(`message is ${4 * 1024 * 1024 + 35} bytes, more than the 4194304 allowed`);
    // Not even well-formed: the size check comes first.
    expect(refusal('<'.repeat(101), { maxBytes: 100 }).code).toBe('GROUPS_TOO_LARGE');
    expect(refusal(Buffer.from('é'.repeat(51)), { maxBytes: 100 }).message).toBe(
      'message is 102 bytes, more than the 100 allowed',
    );
  });

  it('refuses a Compressed payload that inflates beyond maxBytes (gzip bomb)', () => {
    const bomb = gzipSync(Buffer.alloc(1024 * 1024, 0x20)).toString('base64');
    const xml = message(
      'ChangeDERGroups',
      'change',
      STAMP,
      `<Payload><Compressed>${bomb}</Compressed></Payload>`,
    );
    const error = refusal(xml, { maxBytes: 64 * 1024 });
    expect(error.code).toBe('GROUPS_TOO_LARGE');
    expect(error.message).toBe(
      '/ChangeDERGroups/Payload/Compressed: inflates to more than the 65536 bytes allowed',
    );
  });

  it('refuses malformed XML with the line and column', () => {
    const error = refusal(fixture('malformed.xml'));
    expect(error.code).toBe('GROUPS_MALFORMED_XML');
    expect(error.message).toMatch(/^message: not well-formed XML at line 9, column \d+: .*Payload/);
  });

  it('refuses an undeclared entity as malformed', () => {
    const error = refusal(create('<m:EndDeviceGroup><m:mRID>&nbsp;</m:mRID></m:EndDeviceGroup>'));
    expect(error.code).toBe('GROUPS_MALFORMED_XML');
    expect(error.message).toBe('message: undeclared entity &nbsp;');
  });

  it('refuses Compressed content that is not base64 gzip', () => {
    const payload = (content: string): string => `<Payload><Compressed>${content}</Compressed></Payload>`;
    const notBase64 = refusal(message('ChangeDERGroups', 'change', STAMP, payload('not base64!')));
    expect(notBase64.code).toBe('GROUPS_INVALID');
    expect(notBase64.message).toBe('/ChangeDERGroups/Payload/Compressed: not base64');
    const notGzip = refusal(message('ChangeDERGroups', 'change', STAMP, payload('aGVsbG8=')));
    expect(notGzip.code).toBe('GROUPS_INVALID');
    expect(notGzip.message).toMatch(/^\/ChangeDERGroups\/Payload\/Compressed: not gzip data: /);
  });

  const G = '<m:EndDeviceGroup><m:mRID>g</m:mRID></m:EndDeviceGroup>';
  it.each([
    [
      'an unsupported root',
      message('CancelDERGroups', 'cancel', STAMP, groupsPayload(G)),
      '/CancelDERGroups: not a DERGroups message we accept (CreateDERGroups, ChangeDERGroups, DeleteDERGroups, CreatedDERGroups, ChangedDERGroups, DeletedDERGroups)',
    ],
    [
      'a verb that contradicts the root',
      message('CreateDERGroups', 'delete', STAMP, groupsPayload(G)),
      '/CreateDERGroups/Header/Verb: is "delete" but CreateDERGroups needs "create"',
    ],
    [
      'another noun',
      message('CreateDERGroups', 'create', STAMP, groupsPayload(G)).replace(
        '>DERGroups<',
        '>DERGroupStatuses<',
      ),
      '/CreateDERGroups/Header/Noun: is "DERGroupStatuses", expected "DERGroups"',
    ],
    [
      'a missing Header',
      `<CreateDERGroups>${groupsPayload(G)}</CreateDERGroups>`,
      '/CreateDERGroups/Header: required',
    ],
    [
      'a group without mRID',
      create('<m:EndDeviceGroup><m:description>x</m:description></m:EndDeviceGroup>'),
      '/CreateDERGroups/Payload/DERGroups/EndDeviceGroup[1]/mRID: required: the group must have a non-empty mRID',
    ],
    [
      'an end device without mRID',
      create(
        `${G}<m:EndDeviceGroup><m:mRID>h</m:mRID><m:EndDevices><m:mRID>d1</m:mRID></m:EndDevices><m:EndDevices/></m:EndDeviceGroup>`,
      ),
      '/CreateDERGroups/Payload/DERGroups/EndDeviceGroup[2]/EndDevices[2]/mRID: required: each end device must have a non-empty mRID',
    ],
    [
      'a group mRID with a tab in it, given as a character reference',
      create('<m:EndDeviceGroup><m:mRID>feeder&#9;12</m:mRID></m:EndDeviceGroup>'),
      '/CreateDERGroups/Payload/DERGroups/EndDeviceGroup[1]/mRID: "feeder\\t12" is not an mRID of 1 to 256 printable characters',
    ],
    [
      'an end device mRID longer than 256 characters',
      create(
        `<m:EndDeviceGroup><m:mRID>g</m:mRID><m:EndDevices><m:mRID>${'d'.repeat(257)}</m:mRID></m:EndDevices></m:EndDeviceGroup>`,
      ),
      `/CreateDERGroups/Payload/DERGroups/EndDeviceGroup[1]/EndDevices[1]/mRID: "${'d'.repeat(257)}" is not an mRID of 1 to 256 printable characters`,
    ],
    [
      'a duplicate end device',
      create(
        '<m:EndDeviceGroup><m:mRID>g</m:mRID><m:EndDevices><m:mRID>d1</m:mRID></m:EndDevices><m:EndDevices><m:mRID>d1</m:mRID></m:EndDevices></m:EndDeviceGroup>',
      ),
      '/CreateDERGroups/Payload/DERGroups/EndDeviceGroup[1]/EndDevices[2]/mRID: duplicate of EndDevices[1] ("d1")',
    ],
    [
      'no effective time at all',
      create(G, ''),
      '/CreateDERGroups/Payload/DERGroups/EndDeviceGroup[1]: no effective time: give version/date here or Header/Timestamp on the message',
    ],
    [
      'a bad Timestamp',
      create(G, '<h:Timestamp>2024-02-30T00:00:00Z</h:Timestamp>'),
      '/CreateDERGroups/Header/Timestamp: "2024-02-30T00:00:00Z" is not an xs:dateTime such as 2024-01-31T12:00:00Z',
    ],
    [
      'a bad version/date',
      create(
        '<m:EndDeviceGroup><m:mRID>g</m:mRID><m:version><m:date>yesterday</m:date></m:version></m:EndDeviceGroup>',
      ),
      '/CreateDERGroups/Payload/DERGroups/EndDeviceGroup[1]/version/date: "yesterday" is not an xs:dateTime such as 2024-01-31T12:00:00Z',
    ],
    [
      'a date before the epoch',
      create(G, '<h:Timestamp>1969-12-31T23:59:59Z</h:Timestamp>'),
      '/CreateDERGroups/Header/Timestamp: "1969-12-31T23:59:59Z" is before 1970-01-01',
    ],
    [
      'a date no JavaScript Date holds',
      create(G, '<h:Timestamp>300000-01-01T00:00:00Z</h:Timestamp>'),
      '/CreateDERGroups/Header/Timestamp: "300000-01-01T00:00:00Z" is after 2299-12-31T23:59:59.999Z, the latest date ClickHouse stores',
    ],
    [
      'a date pushed past the last one by its zone',
      create(G, '<h:Timestamp>2299-12-31T23:00:00-01:00</h:Timestamp>'),
      '/CreateDERGroups/Header/Timestamp: "2299-12-31T23:00:00-01:00" is after 2299-12-31T23:59:59.999Z, the latest date ClickHouse stores',
    ],
    [
      'an empty DERGroups',
      create(''),
      '/CreateDERGroups/Payload/DERGroups: must contain at least one EndDeviceGroup',
    ],
    [
      'a Payload without DERGroups or Compressed',
      message('CreateDERGroups', 'create', STAMP, '<Payload><Format>XML</Format></Payload>'),
      '/CreateDERGroups/Payload: has neither DERGroups nor Compressed',
    ],
    [
      'an OperationSet',
      message(
        'CreateDERGroups',
        'create',
        STAMP,
        '<Payload><m:DERGroups>' + G + '</m:DERGroups><OperationSet/></Payload>',
      ),
      '/CreateDERGroups/Payload/OperationSet: not supported: send one DERGroups message per verb',
    ],
    [
      'a repeated mRID',
      create('<m:EndDeviceGroup><m:mRID>g</m:mRID><m:mRID>h</m:mRID></m:EndDeviceGroup>'),
      '/CreateDERGroups/Payload/DERGroups/EndDeviceGroup[1]/mRID: appears 2 times, at most once allowed',
    ],
    [
      'elements where text is expected',
      create('<m:EndDeviceGroup><m:mRID><m:x>g</m:x></m:mRID></m:EndDeviceGroup>'),
      '/CreateDERGroups/Payload/DERGroups/EndDeviceGroup[1]/mRID: must be text, found child elements',
    ],
  ])('refuses %s with GROUPS_INVALID', (_what, xml, expected) => {
    const error = refusal(xml);
    expect(error.code).toBe('GROUPS_INVALID');
    expect(error.message).toBe(expected);
  });
});
