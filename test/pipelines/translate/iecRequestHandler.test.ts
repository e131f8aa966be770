import { gunzipSync, gzipSync } from 'node:zlib';
import { GroupStatus } from '../../../pipelines/aggregate/groupStatus';
import { GroupVersion, LATEST_EFFECTIVE_FROM } from '../../../pipelines/membership/groupVersion';
import { MembershipState } from '../../../pipelines/membership/membershipState';
import { ForecastToTranslate } from '../../../pipelines/translate/derGroupForecasts';
import { handleIecRequest, IecRequestPorts } from '../../../pipelines/translate/iecRequestHandler';
import {
  BILLION_LAUGHS,
  EXTERNAL_ENTITY,
  forecastQuery,
  groupQuery,
  groupsRequest,
  operationSet,
  statusQuery,
  textOf,
  textsOf,
  XSD,
} from '../../support/iecRequests';
import { xmllintTexts } from '../../support/xmllint';

const T0 = Date.UTC(2026, 10, 23, 12);

const status = (groupId: string, windowEnd: number): GroupStatus => ({
  groupId,
  windowStart: windowEnd - 60_000,
  windowEnd,
  version: 1,
  members: 2,
  reporting: 2,
  fresh: 2,
  stale: 0,
  silent: 0,
  connected: 2,
  activePower: 1500,
  reactivePower: null,
  maxActivePower: 4000,
  minActivePower: -1000,
  headroomUp: 2500,
  headroomDown: 2500,
  stateOfCharge: null,
  storedEnergy: null,
  voltageMin: 230,
  voltageMax: 231,
});

const forecast = (groupId: string, parameter: string): ForecastToTranslate => ({
  groupId,
  parameter,
  method: 'holtWinters',
  issuedAt: T0,
  intervalMs: 900_000,
  points: [1, 2, 3, 4].map((n) => ({
    intervalNumber: n,
    start: T0 + (n - 1) * 900_000,
    p10: 900 + n,
    p50: 1000 + n,
    p90: 1100 + n,
  })),
});

/** In-memory ports over a real MembershipState, recording what was applied. */
function setup() {
  const membership = new MembershipState();
  const v = (groupId: string, devices: string[]): GroupVersion => ({
    groupId,
    effectiveFrom: 0,
    deleted: false,
    members: devices.map((deviceId) => ({ deviceId, ratedPower: 5000 })),
  });
  membership.apply(v('feeder-1', ['inv-1', 'inv-2']));
  membership.apply(v('feeder-2', ['inv-3']));
  const statuses = [
    status('feeder-1', T0 - 120_000),
    status('feeder-1', T0 - 60_000),
    status('feeder-2', T0 - 60_000),
  ];
  const applied: GroupVersion[][] = [];
  const ports: IecRequestPorts = {
    statuses: ({ groupIds, from, to }) => {
      const wanted = statuses.filter((s) => groupIds.length === 0 || groupIds.includes(s.groupId));
      if (from === undefined) {
        const newest = new Map<string, GroupStatus>();
        for (const s of wanted)
          if ((newest.get(s.groupId)?.windowEnd ?? -1) < s.windowEnd) newest.set(s.groupId, s);
        return Promise.resolve([...newest.values()]);
      }
      return Promise.resolve(wanted.filter((s) => s.windowEnd >= from && s.windowEnd <= (to ?? Infinity)));
    },
    forecasts: ({ groupIds, parameters }) =>
      Promise.resolve(groupIds.flatMap((g) => parameters.map((p) => forecast(g, p)))),
    latestVersion: (id) => membership.latestVersion(id),
    groupIds: () => membership.groupIds(),
    applyGroupVersions: (versions) => {
      applied.push(versions);
      for (const version of versions) membership.apply(version);
      return Promise.resolve();
    },
  };
  let n = 0;
  const options = {
    source: 'derstream-test',
    now: () => T0 + 5_000,
    newMessageId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  };
  return {
    membership,
    ports,
    applied,
    handle: (xml: Buffer | string) => handleIecRequest(xml, ports, options),
  };
}

function validates(xml: string, xsd: string) {
  expect(xmllintTexts([xml], xsd)).toMatchObject({ code: 0 });
}

describe('handleIecRequest', () => {
  it('answers a status query with the latest status of each group, CorrelationID = the MessageID', async () => {
    const { handle } = setup();
    const reply = await handle(
      statusQuery(['feeder-1', 'feeder-2'], { messageId: 'q-1', replyAddress: 'dms.replies.west' }),
    );
    validates(reply.xml, XSD.statusQueries);
    expect(reply).toMatchObject({ result: 'OK', correlationId: 'q-1', replyAddress: 'dms.replies.west' });
    expect(textOf(reply.xml, 'CorrelationID')).toBe('q-1');
    expect(textOf(reply.xml, 'Verb')).toBe('reply');
    expect(textsOf(reply.xml, 'dateTime')).toEqual([
      new Date(T0 - 60_000).toISOString(),
      new Date(T0 - 60_000).toISOString(),
    ]);
  });

  it('reads character references as the characters they stand for, in the header and the query', async () => {
    const { handle } = setup();
    const reply = await handle(
      statusQuery(['&#x66;eeder-&#49;', 'feeder&#45;2'], {
        messageId: 'q&#x2D;ref',
        replyAddress: 'dms.replies.&#119;est',
      }),
    );
    validates(reply.xml, XSD.statusQueries);
    expect(reply).toMatchObject({ result: 'OK', correlationId: 'q-ref', replyAddress: 'dms.replies.west' });
    expect(textsOf(reply.xml, 'mRID').sort()).toEqual(['feeder-1', 'feeder-2']);
  });

  it('answers a ranged status query with every window in the range', async () => {
    const { handle } = setup();
    const reply = await handle(
      statusQuery(['feeder-1'], {
        messageId: 'q-2',
        startTime: new Date(T0 - 180_000).toISOString(),
        endTime: new Date(T0).toISOString(),
      }),
    );
    validates(reply.xml, XSD.statusQueries);
    expect(textsOf(reply.xml, 'mRID')).toEqual(['feeder-1', 'feeder-1']);
  });

  it('gives PARTIAL with an UNKNOWN_GROUP error for an unknown mRID beside a known one, FAILED when all are unknown', async () => {
    const { handle } = setup();
    const partial = await handle(statusQuery(['feeder-1', 'nowhere'], { messageId: 'q-3' }));
    validates(partial.xml, XSD.statusQueries);
    expect(partial.result).toBe('PARTIAL');
    expect(textOf(partial.xml, 'code')).toBe('UNKNOWN_GROUP');
    expect(textOf(partial.xml, 'details')).toBe(
      'xpath=/DERGroupStatusQueriesRequestMessage/Request/DERGroupStatusQueries/EndDeviceGroup[2]/mRID',
    );
    expect(textOf(partial.xml, 'ID')).toBe('nowhere');
    const failed = await handle(statusQuery(['nowhere'], { messageId: 'q-4' }));
    validates(failed.xml, XSD.statusQueries);
    expect(failed.result).toBe('FAILED');
    expect(failed.xml).not.toContain('Payload');
  });

  it('compresses the reply payload when asked, and it inflates to the profile', async () => {
    const { handle } = setup();
    const reply = await handle(statusQuery(['feeder-1'], { messageId: 'q-5', compressReply: true }));
    validates(reply.xml, XSD.statusQueries);
    expect(textOf(reply.xml, 'Format')).toBe('XML');
    const inner = gunzipSync(Buffer.from(textOf(reply.xml, 'Compressed')!, 'base64')).toString('utf8');
    expect(inner).toMatch(/^<DERGroupStatuses xmlns="http:\/\/iec.ch\/TC57\/2017\/DERGroupStatuses#">/);
    expect(textOf(inner, 'mRID')).toBe('feeder-1');
  });

  it('answers a forecast query with the three active-power forecasts cut to the intervals asked', async () => {
    const { handle } = setup();
    const reply = await handle(
      forecastQuery(['feeder-1'], {
        messageId: 'f-1',
        startTime: new Date(T0 + 900_000).toISOString(),
        numberOfIntervals: 2,
      }),
    );
    validates(reply.xml, XSD.forecastQueries);
    expect(reply.result).toBe('OK');
    expect(textsOf(reply.xml, 'name').filter((n) => n.endsWith('Power'))).toEqual([
      'activePower',
      'maxActivePower',
      'minActivePower',
    ]);
    expect(textsOf(reply.xml, 'intervalNumber')).toEqual(['2', '3', '2', '3', '2', '3']);
    expect(textsOf(reply.xml, 'maxYValue').slice(0, 2)).toEqual(['1102', '1103']);
  });

  it('refuses a forecast of a parameter it does not forecast', async () => {
    const { handle } = setup();
    const reply = await handle(
      forecastQuery(['feeder-1'], {
        messageId: 'f-2',
        startTime: new Date(T0).toISOString(),
        numberOfIntervals: 4,
        parameter: 'voltage',
      }),
    );
    validates(reply.xml, XSD.forecastQueries);
    expect(reply.result).toBe('FAILED');
    expect(textOf(reply.xml, 'code')).toBe('UNSUPPORTED_PARAMETER');
  });

  it('answers a group query with members, DERFunction and version date', async () => {
    const { handle } = setup();
    const reply = await handle(groupQuery(['feeder-1'], { messageId: 'g-1' }));
    validates(reply.xml, XSD.groupQueries);
    expect(reply.result).toBe('OK');
    expect(textsOf(reply.xml, 'mRID')).toEqual(['feeder-1', 'inv-1', 'inv-2']);
    const all = await handle(
      groupQuery([], { messageId: 'g-2' }).replace(
        '<q:DERGroupQueries></q:DERGroupQueries>',
        '<q:DERGroupQueries><q:EndDeviceGroup/></q:DERGroupQueries>',
      ),
    );
    validates(all.xml, XSD.groupQueries);
    expect(textsOf(all.xml, 'mRID')).toEqual(['feeder-1', 'inv-1', 'inv-2', 'feeder-2', 'inv-3']);
  });

  it('gives the latest effective date a group can have as an xs:dateTime', async () => {
    const { handle, membership } = setup();
    membership.apply({
      groupId: 'feeder-9',
      effectiveFrom: LATEST_EFFECTIVE_FROM,
      deleted: false,
      members: [{ deviceId: 'inv-9', ratedPower: 5000 }],
    });
    const reply = await handle(groupQuery(['feeder-9'], { messageId: 'g-9' }));
    validates(reply.xml, XSD.groupQueries);
    expect(textsOf(reply.xml, 'date')).toEqual(['2299-12-31T23:59:59.999Z']);
  });

  it('creates, changes and deletes groups, keeping nameplates of members that stay', async () => {
    const { handle, membership, applied } = setup();
    const created = await handle(
      groupsRequest('create', [{ mRID: 'feeder-9', devices: ['inv-7', 'inv-8'], name: 'Feeder 9' }], {
        messageId: 'c-1',
      }),
    );
    validates(created.xml, XSD.groupsCreate);
    expect(created.result).toBe('OK');
    expect(textsOf(created.xml, 'ID')).toEqual(['feeder-9']);
    expect(membership.latestVersion('feeder-9')).toMatchObject({
      effectiveFrom: T0 + 5_000,
      name: 'Feeder 9',
      members: [{ deviceId: 'inv-7' }, { deviceId: 'inv-8' }],
      derFunction: { realPowerDispatch: true, connectDisconnect: false },
    });

    const changed = await handle(
      groupsRequest('change', [{ mRID: 'feeder-1', devices: ['inv-2', 'inv-9'] }], {
        messageId: 'c-2',
        timestamp: '2026-11-23T12:30:00Z',
      }),
    );
    validates(changed.xml, XSD.groupsChange);
    expect(membership.latestVersion('feeder-1')).toMatchObject({
      effectiveFrom: Date.UTC(2026, 10, 23, 12, 30),
      members: [{ deviceId: 'inv-2', ratedPower: 5000 }, { deviceId: 'inv-9' }],
    });

    const deleted = await handle(groupsRequest('delete', [{ mRID: 'feeder-2' }], { messageId: 'c-3' }));
    validates(deleted.xml, XSD.groupsChange);
    expect(membership.latestVersion('feeder-2')).toMatchObject({ deleted: true, members: [] });
    expect(applied).toHaveLength(3);
  });

  it('reads a compressed payload and refuses, group by group, what the state does not allow', async () => {
    const { handle, applied } = setup();
    const reply = await handle(
      groupsRequest('create', [{ mRID: 'feeder-1' }, { mRID: 'feeder-10', devices: ['inv-1'] }], {
        messageId: 'c-4',
        compressed: true,
      }),
    );
    validates(reply.xml, XSD.groupsCreate);
    expect(reply.result).toBe('PARTIAL');
    expect(textOf(reply.xml, 'code')).toBe('GROUP_EXISTS');
    expect(applied.flat().map((v) => v.groupId)).toEqual(['feeder-10']);
    const unknown = await handle(groupsRequest('change', [{ mRID: 'nowhere' }], { messageId: 'c-5' }));
    expect(unknown.result).toBe('FAILED');
    expect(textOf(unknown.xml, 'code')).toBe('UNKNOWN_GROUP');
    expect(applied).toHaveLength(1);
  });

  it('executes an operation set in order, each operation seeing the ones before', async () => {
    const { handle, membership } = setup();
    const reply = await handle(
      operationSet(
        [
          { operationId: 1, verb: 'create', groups: [{ mRID: 'feeder-20', devices: ['inv-1'] }] },
          { operationId: 2, verb: 'change', groups: [{ mRID: 'feeder-20', devices: ['inv-1', 'inv-2'] }] },
          { operationId: 3, verb: 'delete', groups: [{ mRID: 'feeder-2' }] },
        ],
        { messageId: 'o-1' },
      ),
    );
    validates(reply.xml, XSD.operationSet);
    expect(reply.result).toBe('OK');
    expect(membership.latestVersion('feeder-20')?.members.map((m) => m.deviceId)).toEqual(['inv-1', 'inv-2']);
    expect(membership.latestVersion('feeder-2')?.deleted).toBe(true);
  });

  it('applies the good operations of a non-transactional set (PARTIAL) and none of a transactional one (FAILED)', async () => {
    const operations = [
      { operationId: 1, verb: 'create', groups: [{ mRID: 'feeder-30' }] },
      { operationId: 2, verb: 'cancel', groups: [{ mRID: 'feeder-1' }] },
      { operationId: 3, verb: 'create', noun: 'DERGroupDispatches', groups: [{ mRID: 'feeder-31' }] },
    ];
    const loose = setup();
    const partial = await loose.handle(operationSet(operations, { messageId: 'o-2' }));
    validates(partial.xml, XSD.operationSet);
    expect(partial.result).toBe('PARTIAL');
    expect(textsOf(partial.xml, 'code')).toEqual(['IEC_UNSUPPORTED_VERB', 'IEC_UNSUPPORTED_NOUN']);
    expect(textsOf(partial.xml, 'operationId')).toEqual(['2', '3']);
    expect(loose.membership.latestVersion('feeder-30')).toBeDefined();

    const strict = setup();
    const failed = await strict.handle(operationSet(operations, { messageId: 'o-3', transactional: true }));
    validates(failed.xml, XSD.operationSet);
    expect(failed.result).toBe('FAILED');
    expect(strict.applied).toEqual([]);
  });

  it('answers a schema-invalid request with FAILED, IEC_SCHEMA_INVALID and the MessageID it could read', async () => {
    const { handle } = setup();
    const reply = await handle(
      statusQuery(['feeder-1'], { messageId: 'bad-1' }).replace('<msg:Verb>get</msg:Verb>', ''),
    );
    validates(reply.xml, XSD.statusQueries);
    expect(reply).toMatchObject({ result: 'FAILED', correlationId: 'bad-1' });
    expect(textOf(reply.xml, 'code')).toBe('IEC_SCHEMA_INVALID');
    expect(textOf(reply.xml, 'details')).toMatch(/^xpath=line \d+$/);
    // The MessageID as the DMS meant it, character references read, as in a readable request.
    const referenced = await handle(
      statusQuery(['feeder-1'], { messageId: 'bad&#x2D;2 &amp; more' }).replace(
        '<msg:Verb>get</msg:Verb>',
        '',
      ),
    );
    expect(referenced).toMatchObject({ result: 'FAILED', correlationId: 'bad-2 & more' });
  });

  it('answers a wrong verb, an unsupported noun and something that is not XML with the generic ResponseMessage', async () => {
    const { handle } = setup();
    const verb = await handle(
      statusQuery(['feeder-1'], { messageId: 'bad-2' }).replace(
        '<msg:Verb>get</msg:Verb>',
        '<msg:Verb>create</msg:Verb>',
      ),
    );
    validates(verb.xml, XSD.statusQueries);
    expect(textOf(verb.xml, 'code')).toBe('IEC_UNSUPPORTED_VERB');
    for (const [request, noun] of [
      [statusQuery(['feeder-1'], { messageId: 'bad-4' }), 'DERGroupStatuses'],
      [groupQuery(['feeder-1'], { messageId: 'bad-5' }), 'DERGroups'],
    ] as const) {
      const wrong = await handle(
        request.replace(`<msg:Noun>${noun}</msg:Noun>`, '<msg:Noun>DERGroupDispatches</msg:Noun>'),
      );
      expect(wrong.result).toBe('FAILED');
      expect(textOf(wrong.xml, 'code')).toBe('IEC_UNSUPPORTED_NOUN');
      expect(textOf(wrong.xml, 'reason')).toMatch(/needs Header\/Noun .+, not .+DERGroupDispatches/);
    }
    const dispatch = await handle(
      '<m:CreateDERGroupDispatches xmlns:m="http://iec.ch/TC57/2017/DERGroupDispatchesMessage"><m:Header><msg:MessageID xmlns:msg="x">d-1</msg:MessageID></m:Header></m:CreateDERGroupDispatches>',
    );
    validates(dispatch.xml, XSD.message);
    expect(dispatch).toMatchObject({ result: 'FAILED', correlationId: 'd-1' });
    expect(textOf(dispatch.xml, 'code')).toBe('IEC_UNSUPPORTED_NOUN');
    const cancel = await handle(
      groupsRequest('create', [{ mRID: 'x' }], { messageId: 'bad-3' }).replace(
        /CreateDERGroups/g,
        'CancelDERGroups',
      ),
    );
    expect(textOf(cancel.xml, 'code')).toBe('IEC_UNSUPPORTED_VERB');
    const junk = await handle('{"not": "xml"}');
    validates(junk.xml, XSD.message);
    expect(textOf(junk.xml, 'code')).toBe('IEC_NOT_XML');
  });

  it('refuses a request that is not UTF-8, or declares another encoding over text outside ASCII, with IEC_NOT_UTF8', async () => {
    const { handle } = setup();
    const declared = (encoding: string, xml: string) => `<?xml version="1.0" encoding="${encoding}"?>${xml}`;
    const query = (groupId: string, messageId: string) => statusQuery([groupId], { messageId });
    for (const [input, detail] of [
      [Buffer.from(query('rivière', 'enc-1'), 'latin1'), /^request is not UTF-8 \(byte \d+ is 0xe8\)/],
      [
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(query('feeder-1', 'enc-2'), 'utf16le')]),
        /^request is UTF-16/,
      ],
      [
        Buffer.from(declared('ISO-8859-1', query('rivière', 'enc-3'))),
        /^request declares encoding .+ISO-8859-1.+ but has a character outside ASCII/,
      ],
    ] as const) {
      const reply = await handle(input);
      validates(reply.xml, XSD.message);
      expect(reply.result).toBe('FAILED');
      expect(textOf(reply.xml, 'code')).toBe('IEC_NOT_UTF8');
      expect(textOf(reply.xml, 'reason')).toMatch(detail);
    }
    // Read as UTF-8 it is the same text, so the declaration changes nothing.
    const ascii = await handle(Buffer.from(declared('ISO-8859-1', query('feeder-1', 'enc-4'))));
    expect(ascii.result).toBe('OK');

    const request = groupsRequest('create', [{ mRID: 'feeder-è' }], { messageId: 'enc-5', compressed: true });
    const compressed = textOf(request, 'Compressed')!;
    const inner = gunzipSync(Buffer.from(compressed, 'base64')).toString('utf8');
    const latin1 = gzipSync(Buffer.from(inner, 'latin1')).toString('base64');
    const reply = await handle(request.replace(compressed, latin1));
    expect(reply).toMatchObject({ result: 'FAILED', correlationId: 'enc-5' });
    expect(textOf(reply.xml, 'code')).toBe('IEC_NOT_UTF8');
    expect(textOf(reply.xml, 'reason')).toMatch(/Compressed is not UTF-8 \(byte \d+ is 0xe8\)/);
  });

  it('reads an operation set from a compressed payload, and refuses one that is not UTF-8', async () => {
    const { handle, membership } = setup();
    const compressedSet = (messageId: string, mRID: string, encoding: BufferEncoding) => {
      const plain = operationSet(
        [{ operationId: 1, verb: 'create', groups: [{ mRID, devices: ['inv-9'] }] }],
        {
          messageId,
        },
      );
      const namespaces = /^<[^>]*?((?:\sxmlns:\w+="[^"]*")+)>/.exec(plain)![1]!;
      const set = /<m:OperationSet>[\s\S]*<\/m:OperationSet>/
        .exec(plain)![0]
        .replace('<m:OperationSet>', `<m:OperationSet${namespaces}>`);
      const compressed = gzipSync(Buffer.from(set, encoding)).toString('base64');
      return plain.replace(
        /<m:Payload>[\s\S]*<\/m:Payload>/,
        `<m:Payload><m:OperationSet/><m:Compressed>${compressed}</m:Compressed><m:Format>XML</m:Format></m:Payload>`,
      );
    };
    const read = await handle(compressedSet('ops-c-1', 'feeder-set', 'utf8'));
    expect(read.result).toBe('OK');
    validates(read.xml, XSD.operationSet);
    expect(membership.latestVersion('feeder-set')?.members.map((m) => m.deviceId)).toEqual(['inv-9']);
    const refused = await handle(compressedSet('ops-c-2', 'feeder-è', 'latin1'));
    expect(refused).toMatchObject({ result: 'FAILED', correlationId: 'ops-c-2' });
    expect(textOf(refused.xml, 'code')).toBe('IEC_NOT_UTF8');
    expect(textOf(refused.xml, 'reason')).toMatch(/^Payload\/Compressed is not UTF-8 \(byte \d+ is 0xe8\)/);
  });

  it('refuses a billion-laughs document, an external entity and an oversized message without expanding them', async () => {
    const { handle } = setup();
    for (const [xml, code] of [
      [BILLION_LAUGHS, 'IEC_DTD_REFUSED'],
      [EXTERNAL_ENTITY, 'IEC_DTD_REFUSED'],
      [`<a>${'x'.repeat(4 * 1024 * 1024)}</a>`, 'IEC_TOO_LARGE'],
    ] as const) {
      const reply = await handle(xml);
      validates(reply.xml, XSD.message);
      expect(reply.result).toBe('FAILED');
      expect(textOf(reply.xml, 'code')).toBe(code);
      expect(reply.xml).not.toContain('lollol');
      expect(reply.xml).not.toContain('root:');
    }
  });
});
