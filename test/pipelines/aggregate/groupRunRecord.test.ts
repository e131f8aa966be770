import {
  decodeGroupRun,
  encodeGroupRun,
  GroupRunRecordError,
} from '../../../pipelines/aggregate/groupRunRecord';

describe('the records of the group runs changelog', () => {
  it('carry a run exactly, keyed by its group', () => {
    const runs = [
      { groupId: 'feeder-7', from: 1_796_000_060_000, through: 1_796_000_060_000 },
      { groupId: 'zone Ü/ß "north"', from: 60_000, through: 1_796_000_120_000 },
    ];
    for (const run of runs) expect(decodeGroupRun(run.groupId, encodeGroupRun(run))).toEqual(run);
  });

  it('are the JSON that versions before this module wrote, so a restore reads their topic', () => {
    const written = Buffer.from(JSON.stringify({ groupId: 'g1', from: 120_000, through: 180_000 }));
    expect(decodeGroupRun('g1', written)).toEqual({ groupId: 'g1', from: 120_000, through: 180_000 });
    expect(encodeGroupRun({ groupId: 'g1', from: 120_000, through: 180_000 })).toEqual(written);
  });

  it.each([
    ['not JSON', 'g1', '{"groupId":"g1",', /record of group g1 is not JSON/],
    ['JSON null', 'g1', 'null', /record of group g1 is for no group/],
    ['another group', 'g1', '{"groupId":"g2","from":0,"through":0}', /record of group g1 is for "g2"/],
    [
      'bounds as text',
      'g1',
      '{"groupId":"g1","from":"0","through":60000}',
      /has no run: from "0", through 60000/,
    ],
    ['a missing bound', 'g1', '{"groupId":"g1","from":0}', /has no run: from 0, through undefined/],
    ['a fractional bound', 'g1', '{"groupId":"g1","from":0.5,"through":60000}', /has no run/],
    ['bounds reversed', 'g1', '{"groupId":"g1","from":120000,"through":60000}', /has no run/],
  ])('refuse %s with a typed error that is not retried', (_what, key, value, message) => {
    let thrown: unknown;
    try {
      decodeGroupRun(key, Buffer.from(value));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GroupRunRecordError);
    expect(thrown).toMatchObject({ code: 'GROUP_RUN_RECORD_INVALID', retriable: false });
    expect((thrown as Error).message).toMatch(message);
  });
});
