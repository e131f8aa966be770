import { existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { XMLParser } from 'fast-xml-parser';
import { GroupStatus } from '../../../pipelines/aggregate/groupStatus';
import {
  COMPRESSED_PLACEHOLDER_NAME,
  DER_GROUP_STATUSES_MESSAGE_NAMESPACE,
  DER_GROUP_STATUSES_NAMESPACE,
  IEC_MESSAGE_NAMESPACE,
  toChangedDerGroupStatuses,
  toDerGroupStatusesProfile,
  UntranslatableError,
  xsdDecimal,
} from '../../../pipelines/translate/derGroupStatuses';
import { STATUSES_XSD, xmllintTexts } from '../../support/xmllint';

const HEADER = {
  messageId: '6f1c1d2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f',
  timestamp: Date.UTC(2024, 4, 1, 12, 1, 5, 250),
  source: 'derstream',
};
const START = Date.UTC(2024, 4, 1, 12, 0, 0);
const END = Date.UTC(2024, 4, 1, 12, 1, 0);

function status(overrides: Partial<GroupStatus> = {}): GroupStatus {
  return {
    groupId: 'feeder-7',
    windowStart: START,
    windowEnd: END,
    version: 2,
    members: 10,
    reporting: 8,
    fresh: 9,
    stale: 1,
    silent: 0,
    connected: 9,
    activePower: 12500.5,
    reactivePower: 310.25,
    maxActivePower: 40000,
    minActivePower: 0,
    headroomUp: 27500,
    headroomDown: 12500,
    stateOfCharge: 55.5,
    storedEnergy: 12000,
    voltageMin: 228.4,
    voltageMax: 243.1,
    ...overrides,
  };
}

function allNull(groupId: string): GroupStatus {
  return status({
    groupId,
    members: 3,
    reporting: 0,
    fresh: 0,
    stale: 1,
    silent: 2,
    connected: 0,
    activePower: 0,
    reactivePower: null,
    maxActivePower: null,
    minActivePower: null,
    headroomUp: null,
    headroomDown: null,
    stateOfCharge: null,
    storedEnergy: null,
    voltageMin: null,
    voltageMax: null,
  });
}

/** Debian's xmllint against the draft's message schema: exit status and what it said. */
function xmllint(xml: string): { status: number | null; output: string } {
  const { code, output } = xmllintTexts([xml]);
  return { status: code, output };
}

function expectSchemaValid(xml: string): void {
  const { status: code, output } = xmllint(xml);
  expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('validates') });
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  parseTagValue: false,
  isArray: (name) => ['EndDeviceGroup', 'DERMonitorableParameter', 'Names'].includes(name),
});

type Node = Record<string, unknown>;
interface ParsedGroup {
  mRID?: string;
  DERMonitorableParameter: Array<{
    DERParameter: string;
    yMultiplier: string;
    yUnit: string;
    DERCurveData: Node;
  }>;
  Names?: Array<{ name: string }>;
  status: { dateTime: string; remark: string; value: string; reason?: string };
}

function parse(xml: string): { header: Node; payload: Node; groups: ParsedGroup[] } {
  const doc = parser.parse(xml) as Node;
  const root = doc['ChangedDERGroupStatuses'] as Node;
  const payload = root['Payload'] as Node;
  const profile = payload['DERGroupStatuses'] as Node;
  return {
    header: root['Header'] as Node,
    payload,
    groups: profile['EndDeviceGroup'] as ParsedGroup[],
  };
}

function parameter(group: ParsedGroup, kind: string) {
  return group.DERMonitorableParameter.find((p) => p.DERParameter === kind);
}

/** The profile element exactly as the plain message embeds it. */
function embeddedProfile(xml: string): string {
  const match = /<DERGroupStatuses xmlns="[^"]*">.*<\/DERGroupStatuses>/s.exec(xml);
  if (!match) throw new Error('no DERGroupStatuses element');
  return match[0];
}

describe('toChangedDerGroupStatuses', () => {
  it('locates the draft schema beside the repo', () => {
    expect(existsSync(STATUSES_XSD)).toBe(true);
  });

  it('writes a schema-valid ChangedDERGroupStatuses event with the header in place', () => {
    const xml = toChangedDerGroupStatuses([status()], HEADER);
    expectSchemaValid(xml);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?><m:ChangedDERGroupStatuses')).toBe(true);
    expect(xml).toContain(`xmlns:m="${DER_GROUP_STATUSES_MESSAGE_NAMESPACE}"`);
    expect(xml).toContain(`xmlns:msg="${IEC_MESSAGE_NAMESPACE}"`);
    expect(xml).toContain(`<DERGroupStatuses xmlns="${DER_GROUP_STATUSES_NAMESPACE}">`);
    const { header } = parse(xml);
    expect(header).toEqual({
      Verb: 'changed',
      Noun: 'DERGroupStatuses',
      Timestamp: '2024-05-01T12:01:05.250Z',
      Source: 'derstream',
      MessageID: HEADER.messageId,
    });
    // HeaderType is a sequence: the order matters, not just the presence.
    expect(Object.keys(header)).toEqual(['Verb', 'Noun', 'Timestamp', 'Source', 'MessageID']);
  });

  it('maps every field where the proposal puts it', () => {
    const xml = toChangedDerGroupStatuses([status()], HEADER);
    const [group] = parse(xml).groups;
    expect(group).toBeDefined();
    expect(group!.mRID).toBe('feeder-7');
    expect(group!.DERMonitorableParameter.map((p) => [p.DERParameter, p.yMultiplier, p.yUnit])).toEqual([
      ['activePower', 'none', 'W'],
      ['reactivePower', 'none', 'VAr'],
      ['voltage', 'none', 'V'],
    ]);
    const end = '2024-05-01T12:01:00.000Z';
    expect(parameter(group!, 'activePower')!.DERCurveData).toEqual({
      maxYValue: '40000',
      minYValue: '0',
      nominalYValue: '12500.5',
      timeStamp: end,
    });
    expect(parameter(group!, 'reactivePower')!.DERCurveData).toEqual({
      nominalYValue: '310.25',
      timeStamp: end,
    });
    expect(parameter(group!, 'voltage')!.DERCurveData).toEqual({
      maxYValue: '243.1',
      minYValue: '228.4',
      timeStamp: end,
    });
    expect(group!.status).toEqual({
      dateTime: end,
      remark:
        'version=2;windowStart=2024-05-01T12:00:00.000Z;members=10;reporting=8;fresh=9;stale=1;silent=0;connected=9',
      value: 'partial',
    });
    // The remark parses back into the counts.
    const counts = Object.fromEntries(group!.status.remark.split(';').map((pair) => pair.split('=')));
    expect(counts).toMatchObject({ version: '2', members: '10', connected: '9', silent: '0' });
    // XSD sequence order inside EndDeviceGroup, DERMonitorableParameter and DERCurveData.
    expect(xml).toMatch(
      /<EndDeviceGroup><mRID>.*<\/mRID><DERMonitorableParameter>.*<\/DERMonitorableParameter><status><dateTime>.*<\/dateTime><remark>.*<\/remark><value>.*<\/value><\/status><\/EndDeviceGroup>/,
    );
    expect(xml).toContain(
      '<DERMonitorableParameter><DERParameter>activePower</DERParameter><yMultiplier>none</yMultiplier><yUnit>W</yUnit>' +
        `<DERCurveData><maxYValue>40000</maxYValue><minYValue>0</minYValue><nominalYValue>12500.5</nominalYValue><timeStamp>${end}</timeStamp></DERCurveData></DERMonitorableParameter>`,
    );
  });

  it('leaves out what is null and stays schema-valid', () => {
    const xml = toChangedDerGroupStatuses([allNull('dark-group')], HEADER);
    expectSchemaValid(xml);
    const [group] = parse(xml).groups;
    expect(group!.DERMonitorableParameter).toHaveLength(1);
    expect(parameter(group!, 'activePower')!.DERCurveData).toEqual({
      nominalYValue: '0',
      timeStamp: '2024-05-01T12:01:00.000Z',
    });
    expect(group!.status.value).toBe('dark');
    expect(group!.status.remark).toContain('members=3;reporting=0;fresh=0;stale=1;silent=2;connected=0');
    expect(xml).not.toMatch(/maxYValue|minYValue|reactivePower|voltage/);
  });

  it('writes a voltage parameter with only the bound that is known', () => {
    const xml = toChangedDerGroupStatuses([status({ voltageMax: null, voltageMin: 231 })], HEADER);
    expectSchemaValid(xml);
    const [group] = parse(xml).groups;
    expect(parameter(group!, 'voltage')!.DERCurveData).toEqual({
      minYValue: '231',
      timeStamp: '2024-05-01T12:01:00.000Z',
    });
  });

  it('writes negative, tiny and huge values in plain decimal that the schema accepts', () => {
    const xml = toChangedDerGroupStatuses(
      [
        status({
          activePower: -1500.75,
          maxActivePower: -0.000001,
          minActivePower: -3e7,
          reactivePower: -1e-7,
          voltageMin: 1e21,
          voltageMax: 3.4e38,
        }),
      ],
      HEADER,
    );
    expectSchemaValid(xml);
    expect(xml).not.toMatch(/<(max|min|nominal)YValue>[^<]*[eE]/);
    const [group] = parse(xml).groups;
    expect(parameter(group!, 'activePower')!.DERCurveData).toMatchObject({
      maxYValue: '-0.000001',
      minYValue: '-30000000',
      nominalYValue: '-1500.75',
    });
    expect(parameter(group!, 'reactivePower')!.DERCurveData).toMatchObject({ nominalYValue: '-0.0000001' });
    expect(parameter(group!, 'voltage')!.DERCurveData).toMatchObject({
      minYValue: '1000000000000000000000',
      maxYValue: '340000000000000000000000000000000000000',
    });
    for (const p of group!.DERMonitorableParameter) {
      for (const [key, text] of Object.entries(p.DERCurveData)) {
        if (key !== 'timeStamp') expect(Number(text)).toBe(Number(xsdDecimal(Number(text))));
      }
    }
  });

  it('escapes markup characters in text', () => {
    const id = `a&b<c>d"e'f ]]> &amp;`;
    const source = 'src <&>';
    const xml = toChangedDerGroupStatuses([status({ groupId: id })], { ...HEADER, source });
    expectSchemaValid(xml);
    expect(xml).toContain('<mRID>a&amp;b&lt;c&gt;d&quot;e&apos;f ]]&gt; &amp;amp;</mRID>');
    const { header, groups } = parse(xml);
    expect(groups[0]!.mRID).toBe(id);
    expect(header['Source']).toBe(source);
  });

  it('writes one EndDeviceGroup per status, in order', () => {
    const statuses = [status({ groupId: 'g1' }), allNull('g2'), status({ groupId: 'g3', fresh: 10 })];
    const xml = toChangedDerGroupStatuses(statuses, HEADER);
    expectSchemaValid(xml);
    const { groups } = parse(xml);
    expect(groups.map((g) => [g.mRID, g.status.value, g.DERMonitorableParameter.length])).toEqual([
      ['g1', 'partial', 3],
      ['g2', 'dark', 1],
      ['g3', 'complete', 3],
    ]);
  });

  it('compresses the same profile XML into Payload/Compressed, with a valid placeholder inline', () => {
    const statuses = [
      status({ groupId: 'g1&<>"\'' }),
      allNull('g2'),
      status({ groupId: 'g3', activePower: -7 }),
    ];
    const plain = toChangedDerGroupStatuses(statuses, HEADER);
    const compressed = toChangedDerGroupStatuses(statuses, HEADER, { compressed: true });
    expectSchemaValid(plain);
    expectSchemaValid(compressed);

    const { payload, groups } = parse(compressed);
    expect(payload['Format']).toBe('XML');
    const inflated = gunzipSync(Buffer.from(payload['Compressed'] as string, 'base64')).toString('utf8');
    expect(inflated).toBe(embeddedProfile(plain));
    expect(inflated).toBe(toDerGroupStatusesProfile(statuses));
    // PayloadType order: DERGroupStatuses, Compressed, Format.
    expect(compressed).toMatch(
      /<m:Payload><DERGroupStatuses xmlns="[^"]*">.*<\/DERGroupStatuses><m:Compressed>[A-Za-z0-9+/=]+<\/m:Compressed><m:Format>XML<\/m:Format><\/m:Payload>/,
    );
    // The inline profile is the documented placeholder, not data.
    expect(groups).toHaveLength(1);
    expect(groups[0]!.mRID).toBeUndefined();
    expect(groups[0]!.Names).toEqual([{ name: COMPRESSED_PLACEHOLDER_NAME }]);
    expect(groups[0]!.DERMonitorableParameter[0]!.DERCurveData).toEqual({
      timeStamp: '2024-05-01T12:01:05.250Z',
    });
    // The plain message carries no Compressed/Format.
    expect(plain).not.toMatch(/Compressed|Format/);
    // The inflated profile parses back to the plain message's groups.
    const fromInflated = parser.parse(inflated) as { DERGroupStatuses: { EndDeviceGroup: ParsedGroup[] } };
    expect(fromInflated.DERGroupStatuses.EndDeviceGroup).toEqual(parse(plain).groups);
  });

  it('uses the configured namespaces', () => {
    const xml = toChangedDerGroupStatuses([status()], HEADER, {
      profileNamespace: 'urn:x-test:profile#',
      messageNamespace: 'urn:x-test:message',
    });
    expect(xml).toContain('xmlns:m="urn:x-test:message"');
    expect(xml).toContain('<DERGroupStatuses xmlns="urn:x-test:profile#">');
    expect(xml).toContain(`xmlns:msg="${IEC_MESSAGE_NAMESPACE}"`);
    // Not the draft's namespaces, so the draft schema must refuse it.
    expect(xmllint(xml).status).not.toBe(0);
  });

  it('is caught by the schema check when the XSD order is broken', () => {
    const xml = toChangedDerGroupStatuses([status()], HEADER);
    const swapped = xml.replace(
      '<yMultiplier>none</yMultiplier><yUnit>W</yUnit>',
      '<yUnit>W</yUnit><yMultiplier>none</yMultiplier>',
    );
    expect(swapped).not.toBe(xml);
    expect(xmllint(swapped).status).not.toBe(0);
  });

  it('refuses what it cannot write validly', () => {
    expect(() => toChangedDerGroupStatuses([], HEADER)).toThrow(UntranslatableError);
    expect(() => toChangedDerGroupStatuses([status({ activePower: NaN })], HEADER)).toThrow(
      UntranslatableError,
    );
    expect(() => toChangedDerGroupStatuses([status({ voltageMax: Infinity })], HEADER)).toThrow(
      UntranslatableError,
    );
    expect(() => toChangedDerGroupStatuses([status({ reactivePower: 1e39 })], HEADER)).toThrow(
      UntranslatableError,
    );
    expect(() => toChangedDerGroupStatuses([status({ groupId: 'bad\u0001id' })], HEADER)).toThrow(
      UntranslatableError,
    );
    expect(() => toChangedDerGroupStatuses([status()], { ...HEADER, timestamp: NaN })).toThrow(
      UntranslatableError,
    );
    expect(() => toChangedDerGroupStatuses([status()], HEADER, { profileNamespace: '' })).toThrow(
      UntranslatableError,
    );
  });
});

describe('xsdDecimal', () => {
  it('writes plain decimals only', () => {
    expect(xsdDecimal(0)).toBe('0');
    expect(xsdDecimal(-0)).toBe('0');
    expect(xsdDecimal(42)).toBe('42');
    expect(xsdDecimal(-12.5)).toBe('-12.5');
    expect(xsdDecimal(1e21)).toBe('1000000000000000000000');
    expect(xsdDecimal(1.5e-7)).toBe('0.00000015');
    expect(xsdDecimal(-2.25e-10)).toBe('-0.000000000225');
    expect(xsdDecimal(1.2345e22)).toBe('12345000000000000000000');
    expect(Number(xsdDecimal(5e-324))).toBe(5e-324);
    for (const n of [0.1, 1 / 3, -123456.789, 1e-7, 9.87654321e25]) {
      expect(xsdDecimal(n)).toMatch(/^-?[0-9]+(\.[0-9]+)?$/);
      expect(Number(xsdDecimal(n))).toBe(n);
    }
  });
});
