import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GroupStatus } from '../../../pipelines/aggregate/groupStatus';
import {
  readDerGroupStatusQuery,
  toDerGroupStatusQueriesResponse,
} from '../../../pipelines/translate/derGroupStatusQueries';
import { xmllintTexts } from '../../support/xmllint';

const QUERIES_XSD = resolve(__dirname, '../../../schemas/iec/xsd/get/DERGroupStatusQueriesMessage.xsd');
const request = readFileSync(join(__dirname, 'fixtures', 'get-der-group-statuses.xml'), 'utf8');

const status = (groupId: string): GroupStatus => ({
  groupId,
  windowStart: 1_795_437_960_000,
  windowEnd: 1_795_438_020_000,
  version: 1,
  members: 3,
  reporting: 2,
  fresh: 3,
  stale: 0,
  silent: 0,
  connected: 3,
  activePower: 4200.5,
  reactivePower: null,
  maxActivePower: 9000,
  minActivePower: -3000,
  headroomUp: 4799.5,
  headroomDown: 7200.5,
  stateOfCharge: 61.2,
  storedEnergy: 8262,
  voltageMin: 229.1,
  voltageMax: 234,
});

describe('DERGroupStatusQueries', () => {
  it('reads a schema-valid request: reply address, time range and the groups asked about', async () => {
    expect(xmllintTexts([request], QUERIES_XSD)).toMatchObject({ code: 0 });
    expect(await readDerGroupStatusQuery(request)).toEqual({
      messageId: '0f8fad5b-d9cb-469f-a165-70867728950e',
      replyAddress: 'dms.replies.west',
      startTime: Date.UTC(2026, 10, 23, 11),
      endTime: Date.UTC(2026, 10, 23, 12),
      groupIds: ['group-00001', 'feeder & 12'],
    });
  });

  it('refuses, before parsing, a request that is too large or carries a DTD', async () => {
    await expect(readDerGroupStatusQuery(request, 100)).rejects.toMatchObject({ code: 'IEC_TOO_LARGE' });
    const xxe = request.replace(
      '<m:DERGroupStatusQueriesRequestMessage',
      '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><m:DERGroupStatusQueriesRequestMessage',
    );
    await expect(readDerGroupStatusQuery(xxe)).rejects.toMatchObject({ code: 'IEC_DTD_REFUSED' });
  });

  it('refuses a request the schema does not allow, saying where', async () => {
    const noHeader = request.replace(/<m:Header>[\s\S]*<\/m:Header>/, '');
    await expect(readDerGroupStatusQuery(noHeader)).rejects.toMatchObject({
      code: 'IEC_SCHEMA_INVALID',
      xpath: expect.stringMatching(/^line \d+$/),
      message: expect.stringContaining('Header'),
    });
    await expect(readDerGroupStatusQuery('<not-even xml')).rejects.toMatchObject({
      code: 'IEC_SCHEMA_INVALID',
    });
  });

  it('writes schema-valid replies: OK with statuses, PARTIAL with an error, FAILED with none', () => {
    const header = {
      messageId: '7d444840-9dc0-11d1-b245-5ffdce74fad2',
      correlationId: '0f8fad5b-d9cb-469f-a165-70867728950e',
      timestamp: Date.UTC(2026, 10, 23, 12, 0, 1),
      source: 'derstream',
    };
    const ok = toDerGroupStatusQueriesResponse(
      [status('group-00001'), status('group-00002')],
      'OK',
      [],
      header,
    );
    const partial = toDerGroupStatusQueriesResponse(
      [status('group-00001')],
      'PARTIAL',
      [
        {
          code: 'UNKNOWN_GROUP',
          level: 'WARNING',
          reason: 'no group feeder & 12',
          xpath: '/DERGroupStatusQueriesRequestMessage/Request/DERGroupStatusQueries/EndDeviceGroup[2]/mRID',
        },
      ],
      header,
    );
    const failed = toDerGroupStatusQueriesResponse(
      [],
      'FAILED',
      [{ code: 'IEC_SCHEMA_INVALID', level: 'FATAL', reason: 'missing Header' }],
      {
        ...header,
        correlationId: undefined,
      },
    );
    expect(xmllintTexts([ok, partial, failed], QUERIES_XSD)).toMatchObject({ code: 0 });
    expect(ok).toContain('<msg:CorrelationID>0f8fad5b-d9cb-469f-a165-70867728950e</msg:CorrelationID>');
    expect(ok.match(/<EndDeviceGroup>/g)).toHaveLength(2);
    expect(partial).toContain(
      '<msg:Result>PARTIAL</msg:Result><msg:Error><msg:code>UNKNOWN_GROUP</msg:code><msg:level>WARNING</msg:level><msg:reason>no group feeder &amp; 12</msg:reason>',
    );
    expect(failed).not.toContain('Payload');
    expect(failed).not.toContain('CorrelationID');
  });
});
